package io.sluice.examples;

import java.util.List;

/** An error response as a client reads it (application/problem+json). */
record Problem(int status, String title, String detail, String lane, List<String> problems) {
}
