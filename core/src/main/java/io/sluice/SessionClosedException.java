package io.sluice;

/** A {@link Session} was used after the work it was given to had terminated. */
public class SessionClosedException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public SessionClosedException(Lane lane) {
        super(prefix(lane) + "the session was used after its work terminated; a Session is valid only inside "
                + "the function given to withConnection/inTransaction", lane, null, null);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.USAGE;
    }
}
