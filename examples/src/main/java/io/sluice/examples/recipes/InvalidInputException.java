package io.sluice.examples.recipes;

import java.util.List;

/** The request's input is invalid: 400, with every problem found. */
public class InvalidInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidInputException(String what, List<String> problems) {
        super(what + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidInputException(String problem) {
        this("invalid request", List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
