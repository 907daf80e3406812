package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.PageFileRepair;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RepairPlan;
import io.github.pager.core.RepairRefusedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Crashes {@code recover} and {@code rollback} ({@link PageFileRepair}) at every storage call and
 * checks every image a power loss there could leave: it opens at the state before the repair or at
 * the one after (or, when the state before did not open, does not open), its tree checks out, and
 * running the repair again on it ends at the state after.
 */
class RepairCrashTest {
  private static final int PAGE = 4096;

  /** Offsets of FORMAT.md's metadata record and superblock fields used to plant damage. */
  private static final int MD_GENERATION = 8;

  private static final int MD_TREE_ROOT = 32;

  /**
   * What a file opens at: the pages allocated in the commit open uses, or {@code opens} false
   * when open refuses it as not a page file.
   *
   * @param opens whether open accepts the file
   * @param allocated the allocated pages, in order
   */
  record Seen(boolean opens, List<Long> allocated) {
    static final Seen UNOPENABLE = new Seen(false, List.of());
  }

  /** A file of four commits, and the pages allocated at each of its two copies: the last two commits. */
  private record Start(byte[] image, Seen newest, Seen older) {}

  private static Start fourCommits() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().capacity(1 << 20).build();
    Seen older;
    Seen newest;
    try (Pager pager = Pager.create(storage, PagerOptions.defaults())) {
      pager.alloc();
      pager.alloc();
      pager.free(pager.allocatedPages().get(0));
      older = new Seen(true, allocated(pager));
      pager.alloc();
      newest = new Seen(true, allocated(pager));
    }
    assertThat(newest).isNotEqualTo(older);
    return new Start(storage.durableImage(), newest, older);
  }

  @Test
  void recoverOfAFlippedMagicByte() throws IOException {
    Start start = fourCommits();
    byte[] image = start.image().clone();
    image[3] ^= 0x20;
    explore("recover: flipped magic byte", image, Seen.UNOPENABLE, start.newest(), Repair.RECOVER);
  }

  @Test
  void recoverOfADamagedNewestTreeRoot() throws IOException {
    Start start = fourCommits();
    byte[] image = start.image().clone();
    image[(int) (treeRootOf(image, newestSlot(image)) * PAGE + 200)] ^= 1;
    // Open falls back to the older copy by itself: recover makes that copy the newest.
    explore("recover: damaged newest tree root", image, start.older(), start.older(), Repair.RECOVER);
  }

  @Test
  void recoverOfAFlippedMagicByteAndADamagedNewestTreeRoot() throws IOException {
    Start start = fourCommits();
    byte[] image = start.image().clone();
    image[0] ^= 1;
    image[(int) (treeRootOf(image, newestSlot(image)) * PAGE + 200)] ^= 1;
    explore("recover: flipped magic and damaged newest tree root", image, Seen.UNOPENABLE, start.older(), Repair.RECOVER);
  }

  @Test
  void rollback() throws IOException {
    Start start = fourCommits();
    explore("rollback", start.image(), start.newest(), start.older(), Repair.ROLLBACK);
  }

  private enum Repair {
    RECOVER,
    ROLLBACK;

    RepairPlan plan(SimulatedStorage storage) throws IOException {
      return this == RECOVER ? PageFileRepair.planRecover(storage) : PageFileRepair.planRollback(storage);
    }
  }

  private static void explore(String name, byte[] image, Seen before, Seen after, Repair repair) {
    CrashWorkload<Seen> workload = context -> {
      context.assumeAcknowledged(before);
      context.inFlight(after);
      try (SimulatedStorage storage = context.storage()) {
        repair.plan(storage).apply();
      }
      context.acknowledge(after);
    };
    CrashCheck<Seen> check = (crashed, expected) -> {
      byte[] crashImage = crashed.durableImage();
      crashed.close();
      Seen seen = expected.require(open(SimulatedStorage.fromImage(crashImage)));
      // Running the repair again finishes what the crash interrupted (a rollback that already
      // happened refuses to roll back further).
      try (SimulatedStorage again = SimulatedStorage.fromImage(crashImage)) {
        RepairPlan plan = repair.plan(again);
        assertThat(repair == Repair.ROLLBACK && seen.equals(after)).as("rolled back twice").isFalse();
        plan.apply();
      } catch (RepairRefusedException refused) {
        assertThat(repair == Repair.ROLLBACK && seen.equals(after)).as(String.valueOf(refused.getMessage())).isTrue();
        return;
      }
      assertThat(open(SimulatedStorage.fromImage(crashedAgain(crashImage, repair)))).isEqualTo(after);
    };
    CrashExplorer.of(name, workload, check).startingFrom(image).explore().assertNoViolations();
  }

  /** The image after repairing {@code image} once more, without a crash. */
  private static byte[] crashedAgain(byte[] image, Repair repair) throws IOException {
    SimulatedStorage storage = SimulatedStorage.fromImage(image);
    try {
      repair.plan(storage).apply();
    } catch (RepairRefusedException alreadyRolledBack) {
      // the image holds the rolled back state already
    }
    byte[] repaired = storage.durableImage();
    storage.close();
    return repaired;
  }

  /** What {@code storage} opens at, read-only; its tree and pending list must check out. */
  private static Seen open(SimulatedStorage storage) throws IOException {
    try (Pager pager = Pager.open(storage, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(pager.verify(fraction -> {}).problems()).isEmpty();
      return new Seen(true, allocated(pager));
    } catch (NotAPageFileException e) {
      return Seen.UNOPENABLE;
    }
  }

  private static List<Long> allocated(Pager pager) throws IOException {
    List<Long> out = new ArrayList<>();
    for (PageId id : pager.allocatedPages()) {
      out.add(id.index());
    }
    return out;
  }

  private static int newestSlot(byte[] image) {
    return generationOf(image, 1) > generationOf(image, 2) ? 1 : 2;
  }

  private static long generationOf(byte[] image, int slot) {
    return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getLong(slot * PAGE + MD_GENERATION);
  }

  private static long treeRootOf(byte[] image, int slot) {
    return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getLong(slot * PAGE + MD_TREE_ROOT);
  }
}
