package io.sluice.examples.planner;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The body of {@code POST /users} and (email only) of {@code POST /sign-in}. */
public record UserInput(@Nullable String email, @Nullable String displayName) {

    List<String> problems(boolean needsName) {
        List<String> p = new ArrayList<>();
        if (email == null || !email.strip().matches("[^@\\s]{1,64}@[^@\\s]{1,190}")) {
            p.add("email must be an address such as ada@example.org");
        }
        if (needsName && (displayName == null || displayName.isBlank() || displayName.length() > 100)) {
            p.add("displayName is required, at most 100 characters");
        }
        return p;
    }
}
