package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.PagerOptions;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A green exploration must mean something: each deliberately vacuous workload below finds no
 * violation, yet fails {@link CrashExploration#assertNoViolations()}, with a reason that says
 * what went untested. Each has a twin that does the same work properly and passes.
 *
 * <p>The workloads are tiny and judged by a check that accepts everything, so that the only thing
 * that can fail them is the vacuity being tested.
 */
class VacuousExplorationTest {
  private static final long SEED = CrashExplorer.defaultSeed();
  private static final CrashCheck<String> ANYTHING_GOES = (crashed, expected) -> {};

  private static CrashExplorer<String> explorer(String name, CrashWorkload<String> workload) {
    return CrashExplorer.of(name, workload, ANYTHING_GOES).withSeed(SEED);
  }

  /** Explores, and expects no violation but a failed assertion naming {@code reason}. */
  private static CrashExploration assertVacuous(CrashExplorer<String> explorer, String reason) {
    CrashExploration result = explorer.quietly().explore();
    assertThat(result.violations()).isEmpty();
    assertThat(result.vacuity()).anyMatch(text -> text.contains(reason));
    assertThat(result.toString()).contains("VACUOUS");
    assertThatThrownBy(result::assertNoViolations)
        .isInstanceOf(CrashViolation.class)
        .hasMessageContaining("tested less than it seems")
        .hasMessageContaining(reason);
    ExpectedFinding.vacuous(result);
    return result;
  }

  @Test
  void aReportCountsWhatTheWorkloadDid() {
    CrashExploration result = explorer("two acknowledged extensions", context -> {
      context.storage().extend(4096);
      context.acknowledge("4 KiB");
      context.storage().extend(8192);
      context.storage().syncAll();
      context.acknowledge("8 KiB");
    }).explore().assertNoViolations();
    CrashExploration.Coverage coverage = result.coverage();
    assertThat(coverage.storageCalls()).isEqualTo(3);
    assertThat(coverage.operationsAcknowledged()).isEqualTo(2);
    assertThat(coverage.acknowledgedWithCrashPoints()).isEqualTo(2);
    assertThat(coverage.largestSize()).isEqualTo(8192);
    assertThat(coverage.capacity()).isEqualTo(SimulatedStorage.DEFAULT_CAPACITY);
    assertThat(result.vacuity()).isEmpty();
    assertThat(result.toString())
        .contains("3 storage calls")
        .contains("2 operations acknowledged (2 with crash points inside)")
        .contains("disk 8192 of " + SimulatedStorage.DEFAULT_CAPACITY + " bytes")
        .doesNotContain("VACUOUS");
  }

  @Test
  void aWorkloadThatAcknowledgesNothingFails() {
    assertVacuous(explorer("nothing acknowledged", context -> {
      context.inFlight("4 KiB");
      context.storage().extend(4096);
      context.failed();
    }), "acknowledged no operation");
  }

  @Test
  void aWorkloadWhoseAcknowledgedOperationsHaveNoCrashPointFails() {
    assertVacuous(explorer("acknowledged without storage calls", context -> {
      context.storage().extend(4096);
      context.rolledBack();
      context.acknowledge("nothing written");
    }), "had a crash point inside it");
  }

  /**
   * The README's own pattern, {@code catch (IOException e) { context.failed(); }}, swallowed a
   * full simulated disk: the run went on, testing less than it seemed.
   */
  @Test
  void aWorkloadThatOutgrowsTheDiskFailsUnlessTheTestExpectsIt() {
    CrashWorkload<String> growing = context -> {
      for (long size = 4096; size <= 64 * 1024; size *= 2) {
        context.inFlight(size + " bytes");
        try {
          context.storage().extend(size);
          context.acknowledge(size + " bytes");
        } catch (IOException e) {
          context.failed();
        }
      }
    };
    CrashExploration full = assertVacuous(explorer("outgrows 16 KiB", growing).withCapacity(16 * 1024), "disk filled up");
    assertThat(full.coverage().spaceRefusals()).isEqualTo(2);
    assertThat(full.toString()).contains("(full 2 time(s))");

    explorer("expects a full 16 KiB disk", growing).withCapacity(16 * 1024).expectingFullDisk().explore().assertNoViolations();
    explorer("fits a 64 KiB disk", growing).withCapacity(64 * 1024).explore().assertNoViolations();
  }

  /** The kit's own pager workload rolls a full disk back and goes on: the explorer still notices. */
  @Test
  void thePagerWorkloadOnADiskTooSmallFails() {
    PagerOptions options = PagerOptions.defaults().withPageSize(1024);
    PagerWorkload workload = PagerWorkload.of(options, 30, PagerWorkload.Operation.ALLOC_BULK);
    CrashExploration result = CrashExplorer.of("pager on a 32 KiB disk", workload, PagerCheck.standard(options))
        .withSeed(SEED)
        .withCapacity(32 * 1024)
        .quietly()
        .explore();
    assertThat(result.violations()).isEmpty();
    assertThat(result.coverage().spaceRefusals()).isPositive();
    assertThatThrownBy(result::assertNoViolations).isInstanceOf(CrashViolation.class).hasMessageContaining("disk filled up");
    ExpectedFinding.vacuous(result);
  }

  /** A workload that stops at a fault leaves recovery from it untested. */
  @Test
  void aFaultAfterWhichNothingIsAcknowledgedFails() {
    FaultPlan firstSyncFails = FaultPlan.none().failingSync(0);
    assertVacuous(explorer("stops at the fault", context -> {
      context.storage().extend(4096);
      context.acknowledge("4 KiB");
      context.inFlight("4 KiB, synced");
      try {
        context.storage().syncAll();
        context.acknowledge("4 KiB, synced");
      } catch (IOException e) {
        context.failed();
      }
    }).withFaults(firstSyncFails), "1 fault(s) fired after the last acknowledged operation");

    // The same, going on after a reboot: the fault was followed by acknowledged work.
    explorer("goes on after the fault", context -> {
      context.storage().extend(4096);
      context.acknowledge("4 KiB");
      context.inFlight("4 KiB, synced");
      try {
        context.storage().syncAll();
        context.acknowledge("4 KiB, synced");
      } catch (IOException e) {
        context.failed();
        context.reboot().extend(8192);
        context.acknowledge("8 KiB");
      }
    }).withFaults(firstSyncFails).explore().assertNoViolations();
  }
}
