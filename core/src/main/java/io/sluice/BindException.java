package io.sluice;

/** A parameter was bound wrongly: a null value without a type, an unknown name or position, or one left unbound. */
public class BindException extends SluiceException {

    private static final long serialVersionUID = 1L;

    public BindException(String message, Lane lane) {
        super(prefix(lane) + message, lane, null, null);
    }

    @Override
    public FailureKind kind() {
        return FailureKind.USAGE;
    }
}
