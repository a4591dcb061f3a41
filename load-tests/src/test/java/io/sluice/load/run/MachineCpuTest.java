package io.sluice.load.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MachineCpuTest {

    @Test
    void attributesThisJvmsBusyTimeToItselfNotToOthers() {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "Linux only");
        MachineCpu.Reading a = MachineCpu.read();
        // spin until this thread used 300 ms of CPU (however busy the machine), at most 10 s
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long deadline = System.nanoTime() + 10_000_000_000L;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() - cpu0 < 300_000_000L && System.nanoTime() < deadline) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        MachineCpu.Reading b = MachineCpu.read();

        assertThat(x).isNotNegative();
        // loose bounds: other processes and the hypervisor may take the CPU meanwhile
        assertThat(b.self() - a.self()).as("this JVM's ticks").isGreaterThanOrEqualTo(5);
        assertThat(MachineCpu.busyPct(a, b)).isBetween(1.0, 100.0);
        assertThat(MachineCpu.othersPct(a, b)).isBetween(0.0, 100.0);
    }

    @Test
    void nothingIsReportedWithoutTwoReadings() {
        assertThat(MachineCpu.busyPct(null, null)).isNull();
        assertThat(MachineCpu.othersPct(new MachineCpu.Reading(10, 5, 0, 0, 1, 1), null)).isNull();
        MachineCpu.Reading a = new MachineCpu.Reading(10, 5, 2, 3, 1, 1);
        MachineCpu.Reading b = new MachineCpu.Reading(110, 85, 12, 8, 31, 21);
        // busy 80 - interrupts 5 - self 30 - server 20
        assertThat(MachineCpu.othersPct(a, b)).isEqualTo(25.0);
        assertThat(MachineCpu.stealPct(a, b)).isEqualTo(10.0);
        assertThat(MachineCpu.busyPct(a, b)).isEqualTo(80.0);
    }
}
