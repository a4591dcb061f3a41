package io.sluice.pool;

/**
 * One host of a {@link ServerConfig}'s host list: a host name or address and its port.
 *
 * @param host a host name or an IP address (never empty)
 * @param port 1..65535
 */
public record ServerAddress(String host, int port) {

    public ServerAddress {
        Check.notBlank("host", host);
        if (port < 1 || port > 65535) {
            throw new io.sluice.ConfigurationException("port", "port must be between 1 and 65535, was " + port);
        }
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
