package io.sluice.load.bench;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The recipes and users the {@code http} scenario creates through the service before measuring. */
final class Fixture {

    static final String[] WORDS = {"lentil", "tomato", "rice", "basil", "garlic", "onion", "chick", "lemon"};
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    final List<Long> recipes = new ArrayList<>();
    final List<Long> users = new ArrayList<>();
    final List<String> emails = new ArrayList<>();

    static Fixture seed(HttpClient http, String base, int recipes, int users) throws Exception {
        Fixture f = new Fixture();
        String run = Long.toString(System.nanoTime(), 36);
        for (int i = 0; i < recipes; i++) {
            String body = "{\"name\":\"" + WORDS[i % WORDS.length] + " dish " + run + "-" + i + "\",\"servings\":4,\"prepMinutes\":30,"
                    + "\"ingredients\":[\"" + WORDS[i % WORDS.length] + "\",\"" + WORDS[(i + 3) % WORDS.length] + "\"]}";
            f.recipes.add(id(HttpBench.send(http, HttpLoad.request(base, "/recipes").header("Content-Type", "application/json")
                    .POST(HttpLoad.json(body)).build())));
        }
        for (int i = 0; i < users; i++) {
            String email = "user" + i + "-" + run + "@example.org";
            f.users.add(id(HttpBench.send(http, HttpLoad.request(base, "/users").header("Content-Type", "application/json")
                    .POST(HttpLoad.json("{\"email\":\"" + email + "\",\"displayName\":\"User " + i + "\"}")).build())));
            f.emails.add(email);
        }
        return f;
    }

    private static long id(HttpResponse<String> r) {
        Matcher m = ID.matcher(r.body());
        if (r.statusCode() != 201 || !m.find()) {
            throw new IllegalStateException("seeding the service failed: " + r.statusCode() + " " + r.body());
        }
        return Long.parseLong(m.group(1));
    }

    long recipe(SplittableRandom r) {
        return recipes.get(r.nextInt(recipes.size()));
    }

    long user(SplittableRandom r) {
        return users.get(r.nextInt(users.size()));
    }

    String email(SplittableRandom r) {
        return emails.get(r.nextInt(emails.size()));
    }
}
