package io.sluice.examples.recipes;

import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The recipe endpoints. Handlers only validate and compose: the repository's Monos and Fluxes are
 * returned to WebFlux, which subscribes to them; no thread ever waits for the database.
 */
@RestController
public class RecipeController {

    static final int MAX_LIMIT = 100;
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,100}");

    private final RecipeRepository recipes;

    public RecipeController(RecipeRepository recipes) {
        this.recipes = recipes;
    }

    @GetMapping("/recipes/{id}")
    public Mono<Recipe> get(@PathVariable long id) {
        return recipes.find(id).switchIfEmpty(Mono.error(() -> new RecipeNotFoundException(id)));
    }

    @GetMapping("/recipes")
    public Flux<Recipe> newest(@RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return Flux.error(new InvalidInputException("limit must be between 1 and " + MAX_LIMIT + ", was " + limit));
        }
        return recipes.newest(limit);
    }

    @PostMapping("/recipes")
    public Mono<ResponseEntity<Recipe>> create(@RequestBody RecipeInput input) {
        List<String> problems = input.problems();
        if (!problems.isEmpty()) {
            return Mono.error(new InvalidInputException("invalid recipe", problems));
        }
        return recipes.create(input).map(r -> ResponseEntity.created(URI.create("/recipes/" + r.id())).body(r));
    }

    /**
     * Rates a recipe: 201 with the rating. With an {@code Idempotency-Key} header (1 to 100 visible ASCII
     * characters, e.g. a UUID the client made), sending the same rating again answers 200 with the rating
     * the first request stored, so a client may retry after a timeout or a 503 without counting twice.
     */
    @PostMapping("/recipes/{id}/ratings")
    public Mono<ResponseEntity<Rating>> rate(@PathVariable long id, @RequestBody RatingInput input,
                                             @RequestHeader(name = IDEMPOTENCY_KEY, required = false) @Nullable String key) {
        List<String> problems = input.problems();
        if (key != null && !KEY.matcher(key).matches()) {
            problems = new java.util.ArrayList<>(problems);
            problems.add(IDEMPOTENCY_KEY + " must be 1 to 100 visible ASCII characters");
        }
        if (!problems.isEmpty()) {
            return Mono.error(new InvalidInputException("invalid rating", problems));
        }
        return recipes.rate(id, input, key).map(r -> r.created()
                ? ResponseEntity.created(URI.create("/recipes/" + id)).body(r.rating())
                : ResponseEntity.ok(r.rating()));
    }

    /**
     * Every recipe as newline-delimited JSON, streamed from the background lane. WebFlux writes each
     * recipe as it arrives and asks for more only as fast as the client reads, so demand reaches the
     * database cursor; when the client disconnects, the subscription is cancelled and Sluice cancels the
     * statement and returns the connection.
     */
    @GetMapping(value = "/export", produces = MediaType.APPLICATION_NDJSON_VALUE)
    public Flux<Recipe> export() {
        return recipes.all();
    }
}
