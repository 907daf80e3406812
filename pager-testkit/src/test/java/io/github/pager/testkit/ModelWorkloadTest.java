package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.CrashContext.Outcome;
import io.github.pager.testkit.DownstreamUsageTest.Counter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What {@link ModelWorkload} does around each operation, seen from the acknowledgements it makes:
 * it goes on after a failure from what survived, starts over when creating the file failed, rolls
 * back on a full disk, acknowledges an operation's durable steps once, and calls a file that no
 * longer opens, with no fault to blame, a violation.
 */
class ModelWorkloadTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);


  /** The README's counter. */
  private static final CrashOperation<Long, Counter> INCREMENT = DownstreamUsageTest.INCREMENT;

  /** How each operation of one run ended, and with what state. */
  private record Ended(Outcome outcome, @org.jspecify.annotations.Nullable Long state) {
    @Override
    public String toString() {
      return outcome + " " + state;
    }
  }

  /** Runs the workload once, outside the explorer, and lists how each operation ended. */
  private static List<Ended> run(CrashWorkload<Long> workload, SimulatedStorage storage) throws Exception {
    List<Ended> ended = new ArrayList<>();
    CrashContext<Long> context = new CrashContext<>(storage, new SplittableRandom(1), (expectation, outcome, faults) ->
        ended.add(new Ended(outcome, outcome == Outcome.FAILED || outcome == Outcome.ACKNOWLEDGED
            ? expectation.inFlight() : expectation.acknowledged())));
    workload.run(context);
    context.finish();
    return ended;
  }

  private static List<String> acknowledged(List<Ended> ended) {
    return ended.stream().filter(e -> e.outcome() == Outcome.ACKNOWLEDGED).map(e -> String.valueOf(e.state())).toList();
  }

  @Test
  void afterAFailedSyncTheWorkloadRebootsAndGoesOnFromWhatSurvived() throws Exception {
    ModelWorkload<Long, Counter> workload = ModelWorkload.of(Counter::new, 6, List.of(INCREMENT));
    // Sync 0 and 1 create the file; sync 6 is in the third increment's commit (two per commit).
    List<Ended> ended = run(workload, SimulatedStorage.builder().faults(FaultPlan.none().failingSync(6)).build());
    assertThat(ended).filteredOn(e -> e.outcome() == Outcome.FAILED).hasSize(1);
    List<String> values = acknowledged(ended);
    // Created at 0, 1 and 2 acknowledged, 3 failed and was or was not durable; the workload read it
    // back, acknowledged it and counted on from it to the end, then closed.
    assertThat(values.subList(0, 3)).containsExactly("0", "1", "2");
    long recovered = Long.parseLong(values.get(3));
    assertThat(recovered).isBetween(2L, 3L);
    assertThat(values.getLast()).isEqualTo(String.valueOf(recovered + 3));
    assertThat(ended.getLast().outcome()).isEqualTo(Outcome.UNFINISHED);
  }

  @Test
  void aFailureWhileCreatingTheFileStartsOverOnAnEmptyFile() throws Exception {
    ModelWorkload<Long, Counter> workload = ModelWorkload.of(Counter::new, 2, List.of(INCREMENT));
    List<Ended> ended = run(workload, SimulatedStorage.builder().faults(FaultPlan.none().failingSync(0)).build());
    assertThat(ended.getFirst().outcome()).isEqualTo(Outcome.FAILED);
    assertThat(acknowledged(ended)).containsExactly("0", "1", "2", "2");
  }

  @Test
  void aFullDiskRollsTheOperationBackAndTheWorkloadGoesOn() throws Exception {
    CrashOperation<Long, Counter> grow = (counter, value, step) -> {
      try (Transaction tx = counter.pager().begin()) {
        tx.ensurePageCount(counter.pager().pageCount() + 16);
        step.inFlight(value);
        tx.commit();
      }
      return value;
    };
    ModelWorkload<Long, Counter> workload = ModelWorkload.of(Counter::new, 3, List.of(INCREMENT)).startingWith(List.of(grow));
    // The new file fills the disk: the growth is refused, the increments fit in its free pages.
    List<Ended> ended = run(workload, SimulatedStorage.builder().capacity(16 * 1024).build());
    assertThat(ended).map(Ended::toString)
        .containsExactly("ACKNOWLEDGED 0", "ROLLED_BACK 0", "ACKNOWLEDGED 1", "ACKNOWLEDGED 2", "ACKNOWLEDGED 3",
            "ACKNOWLEDGED 3", "UNFINISHED 3");
  }

  @Test
  void anOperationsDurableStepsAreAcknowledgedOnceEach() throws Exception {
    CrashOperation<Long, Counter> twoSteps = (counter, value, step) -> {
      long first = INCREMENT.apply(counter, value, step);
      step.acknowledge(first);
      long second = INCREMENT.apply(counter, first, step);
      step.acknowledge(second);
      return second;
    };
    List<Ended> ended = run(ModelWorkload.of(Counter::new, 2, List.of(twoSteps)), SimulatedStorage.create());
    assertThat(acknowledged(ended)).containsExactly("0", "1", "2", "3", "4", "4");
  }

  @Test
  void aFileThatNoLongerOpensWithNoFaultToBlameIsAViolation() {
    // A failed sync, and then a file whose every reopen is refused: the structure lost its file.
    Counter losesItsFile = new Counter() {
      @Override
      public void open(SimulatedStorage storage) throws IOException {
        storage.close();
        throw new CorruptPageFileException("both metadata copies fail their checksums (simulated)");
      }
    };
    ModelWorkload<Long, Counter> workload = ModelWorkload.of(() -> losesItsFile, 4, List.of(INCREMENT));
    assertThatThrownBy(() -> run(workload, SimulatedStorage.builder().faults(FaultPlan.none().failingSync(4)).build()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("does not open, and no fault was injected this time")
        .hasMessageContaining("both metadata copies");
  }

  @Test
  void theCheckAcceptsNoPageFileOnlyBeforeAnythingWasAcknowledged() throws Exception {
    CrashCheck<Long> check = ModelWorkload.check(Counter::new);
    check.check(SimulatedStorage.create(), new CrashExpectation<>(null, 0L));
    assertThatThrownBy(() -> check.check(SimulatedStorage.create(), new CrashExpectation<>(0L, 1L)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no longer opens although commits were acknowledged");
  }

  @Test
  void theCheckDescribesADisallowedState() throws Exception {
    SimulatedStorage storage = SimulatedStorage.create();
    try (Pager pager = Pager.create(storage, OPTIONS)) {
      try (Transaction tx = pager.begin()) {
        PageId page = tx.alloc();
        pager.page(page).putLong(0, 7);
        tx.setRoot(0, page.index());
        tx.commit();
      }
    }
    SimulatedStorage reopened = storage.restart();
    assertThatThrownBy(() -> ModelWorkload.check(Counter::new).check(reopened, new CrashExpectation<>(5L, 6L)))
        .isInstanceOf(AssertionError.class)
        .hasMessage("recovered a state that is neither the acknowledged one nor the one in flight; "
            + "against the acknowledged: 7, not 5; against the in-flight: 7, not 6");
  }

  @Test
  void aCheckThatReturnsADescriptionFailsWithIt() throws Exception {
    CrashCheck<Long> check = CrashCheck.describing((crashed, expected) -> {
      crashed.close();
      return expected.problem(7L);
    });
    check.check(SimulatedStorage.create(), new CrashExpectation<>(6L, 7L));
    assertThatThrownBy(() -> check.check(SimulatedStorage.create(), new CrashExpectation<>(5L, 6L)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("against the acknowledged: 7, not 5; against the in-flight: 7, not 6");
  }
}
