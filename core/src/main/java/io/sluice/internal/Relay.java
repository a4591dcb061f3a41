package io.sluice.internal;

import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Not API. The subscriber between a unit of work and its caller in Sluice's own per-unit operators (the
 * client time limit, the breaker): passes requests up and the context down, and keeps a small state that
 * the operator moves with compare-and-set, so that it acts on the unit's end exactly once.
 */
public abstract class Relay<T> extends AtomicInteger implements CoreSubscriber<T>, Subscription {

    private static final long serialVersionUID = 1L;

    protected final CoreSubscriber<? super T> actual;
    protected Subscription upstream;

    protected Relay(CoreSubscriber<? super T> actual) {
        this.actual = actual;
    }

    @Override
    public final Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public final void onSubscribe(Subscription s) {
        if (Operators.validate(upstream, s)) {
            upstream = s;
            actual.onSubscribe(this);
        }
    }

    @Override
    public final void request(long n) {
        upstream.request(n);
    }
}
