package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.util.ArrayList;
import java.util.List;

/** libpq's host lists in a URL ({@code postgresql://a:5432,b,[::1]:5433/db}), for {@link ServerConfig#fromUrl}. */
final class HostList {

    private HostList() {
    }

    /** Where the host part of an R2DBC URL starts and ends: after the last '@' of the authority, up to its '/'. */
    static int[] span(String u) {
        int start = u.indexOf("://") + 3;
        int q = u.indexOf('?');
        String head = q < 0 ? u : u.substring(0, q);
        int at = head.lastIndexOf('@');
        int from = at >= start ? at + 1 : start;
        int slash = head.indexOf('/', from);
        return new int[] {from, slash < 0 ? head.length() : slash};
    }

    /** {@code a:5432,b,c:5434}: a host without a port gets 5432, as in libpq. */
    static List<ServerAddress> parse(String hostPart, String url) {
        List<ServerAddress> list = new ArrayList<>();
        for (String entry : hostPart.split(",", -1)) {
            String e = entry.trim();
            int colon = e.lastIndexOf(':');
            if (e.isEmpty() || colon == 0) {
                throw new ConfigurationException("url", "the URL's host list has an empty host: " + ServerConfig.redact(url));
            }
            int close = e.startsWith("[") ? e.indexOf(']') : -1;   // [::1]:5433
            String host = close > 0 ? e.substring(1, close) : colon < 0 ? e : e.substring(0, colon);
            boolean hasPort = close > 0 ? e.length() > close + 1 && e.charAt(close + 1) == ':' : colon > 0;
            list.add(new ServerAddress(host, hasPort ? ServerConfig.parseInt("port", e.substring(close > 0 ? close + 2 : colon + 1)) : 5432));
        }
        return list;
    }
}
