package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the pager does when the device writes a page to the wrong place ({@link
 * FaultPlan#misdirectingWriteAtSync}): the page meant keeps its old content and another page of
 * the file gets the new one. Here the commit of generation 3 sends its new free-space leaf (its
 * only dirty page before its first sync, sync 4) to a page chosen by the seed, and the power
 * fails after the commit returned. Whatever page the write landed on, the reopened file is a
 * whole earlier state, said so, or refused; never a state no commit made.
 */
class MisdirectedWriteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults();

  /** What a reopened file showed. */
  private enum Outcome {
    /** The leaf's CRC failed: open used generation 2, the commit before, and said so. */
    FELL_BACK,
    /** The write also destroyed what the fallback needed (its record or its tree): refused. */
    REFUSED
  }

  @Test
  void aMisdirectedTreeNodeIsDetectedWhereverItLands() throws IOException {
    Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
    for (long seed = 0; seed < 40; seed++) {
      seen.add(commitThenPowerLoss(seed));
    }
    assertThat(seen).as("outcomes over 40 landing places").containsExactlyInAnyOrder(Outcome.FELL_BACK, Outcome.REFUSED);
  }

  private static Outcome commitThenPowerLoss(long seed) throws IOException {
    SimulatedStorage storage =
        SimulatedStorage.builder().faults(FaultPlan.none().withSeed(seed).misdirectingWriteAtSync(4)).build();
    // Not closed: the power goes out under it.
    Pager writer = Pager.create(storage, OPTIONS);
    writer.alloc();
    writer.alloc();
    assertThat(writer.generation()).isEqualTo(3);
    assertThat(storage.faultsFired()).isEqualTo(1);
    SimulatedStorage rebooted = storage.reboot();
    Pager pager;
    try {
      pager = Pager.open(rebooted, OPTIONS);
    } catch (CorruptPageFileException e) {
      return Outcome.REFUSED;
    }
    try (pager) {
      assertThat(pager.openedFromAlternate()).as("seed %d", seed).isTrue();
      assertThat(pager.generation()).as("seed %d", seed).isEqualTo(2);
      assertThat(pager.allocatedPages()).as("seed %d", seed).hasSize(1);
      assertThat(pager.verify().problems()).as("seed %d", seed).isEmpty();
      return Outcome.FELL_BACK;
    }
  }
}
