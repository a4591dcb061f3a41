package io.sluice.load.client;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads without compiling against JDK 21: the harness is built for Java 17 and looks the
 * executor up at run time, so the virtual-thread baseline runs wherever the JVM has them.
 */
public final class VirtualThreads {

    private VirtualThreads() {
    }

    public static boolean available() {
        return Runtime.version().feature() >= 21;
    }

    static ExecutorService perTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("virtual threads need JDK 21 or later; this JVM is "
                    + Runtime.version() + ". Run the harness on JDK 21+ or give it one with --jdk21", e);
        }
    }
}
