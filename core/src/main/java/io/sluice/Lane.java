package io.sluice;

import java.util.regex.Pattern;

/**
 * A named class of work with its own pool, limits and session defaults.
 *
 * <p>Three lanes are built in: {@link #INTERACTIVE} for user-facing requests (auth, reads, ratings),
 * {@link #BACKGROUND} for long or bulk work (menu generation, aggregation, reports) and {@link #ADMIN}
 * for migrations and maintenance. Declare your own with {@link #of(String)}. Two lanes are equal when
 * their names are equal.
 */
public final class Lane {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,39}");

    public static final Lane INTERACTIVE = new Lane("interactive");
    public static final Lane BACKGROUND = new Lane("background");
    public static final Lane ADMIN = new Lane("admin");

    private final String name;

    private Lane(String name) {
        this.name = name;
    }

    /**
     * A lane by name: 1 to 40 characters, lower-case letters, digits, {@code _} or {@code -}, starting
     * with a letter (it becomes part of the lane's {@code application_name} and of meter tags).
     *
     * @throws IllegalArgumentException naming the rejected value
     */
    public static Lane of(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("lane name '" + name
                    + "' is invalid: use 1-40 characters of a-z, 0-9, '_' or '-', starting with a letter");
        }
        return switch (name) {
            case "interactive" -> INTERACTIVE;
            case "background" -> BACKGROUND;
            case "admin" -> ADMIN;
            default -> new Lane(name);
        };
    }

    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof Lane other && other.name.equals(name));
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
