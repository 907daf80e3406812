package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.storage.FileStorage;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pager#refresh()} of a read-only pager while a writer commits: a refresh reads the two
 * metadata copies one after the other, and a writer may store a whole commit, and start the next,
 * between the two reads. Whatever the reads catch, a refresh beside a healthy writer never reports
 * damage and never moves back.
 *
 * <p>The deterministic cases play the writer's part with the bytes a real writer stored: they show
 * the refresh each metadata page as it was at one instant of two commits, and let the writer finish
 * both when the refresh reads the file's length, which it does after the records (FORMAT.md,
 * "Recovery", step 6), so before it checks what it read. The stress runs a real writer thread.
 */
class RefreshBesideAWriterTest {
  private static final PagerOptions FAST = PagerOptions.defaults().withDurability(Durability.NONE);
  private static final PagerOptions READ_ONLY = PagerOptions.defaults().withReadOnly(true);

  /** Where a store of a record is caught half way: the new generation, the old CRC. */
  private static final int TEAR = Format.MD_INLINE_RUNS / 2;

  @TempDir Path dir;

  /**
   * The reported defect: the refresh of a pager at commit {@code g} reads the older copy (commit
   * {@code g - 1}) before the writer stores commit {@code g + 1} over it, and the copy of {@code g}
   * while the writer stores commit {@code g + 2} over that. Only {@code g - 1} passes its checks in
   * what it read, which the refresh once reported as a damaged newest copy.
   */
  @Test
  void aRefreshThatReadsTheOlderCopyBeforeOneCommitAndTheNewerTornByTheNextMovesOn() throws IOException {
    TwoCommits commits = TwoCommits.record(dir.resolve("torn.db"));
    Instant beforeBoth = Instant.COMMITTED;
    Instant duringSecond = Instant.SECOND_TORN;
    // The copy that held g - 1 as before both commits, the copy of g torn by the second one.
    Moment seen = commits.olderCopyOf(beforeBoth).and(commits.newerCopyOf(duringSecond));
    long generation = commits.refreshAfterSeeing(seen);
    assertThat(generation).isEqualTo(commits.g + 2);
  }

  /**
   * Every pair of instants of the writer's two commits at which the refresh's reads of page 1 and
   * of page 2 may fall: before, during and after each store of a record. Each refresh ends at a
   * commit no older than the one it left, and reads that commit's root value.
   */
  @Test
  void aRefreshMovesOnWhereverTwoCommitsCatchItsReadsOfTheTwoCopies() throws IOException {
    TwoCommits commits = TwoCommits.record(dir.resolve("pairs.db"));
    List<String> outcomes = new ArrayList<>();
    for (Instant first : Instant.values()) {
      for (Instant second : Instant.values()) {
        Moment seen = new Moment(commits.at(first).page1(), commits.at(second).page2());
        long generation = commits.refreshAfterSeeing(seen);
        outcomes.add("page 1 " + first + ", page 2 " + second + ": " + (generation - commits.g));
      }
    }
    // The refresh reached the last commit from a read of both copies that settled it.
    assertThat(outcomes).contains("page 1 " + Instant.BOTH_DONE + ", page 2 " + Instant.BOTH_DONE + ": 2");
  }

  /**
   * A writer thread commits as fast as it can (mostly root values only, so a commit is little more
   * than the store of its record, and sometimes allocations and frees) while a registered reader
   * refreshes in a loop. No refresh may fail, and each ends at a commit no older than before. The
   * writer's choices come from the printed seed ({@code -Dpager.seed=N}); the interleaving cannot
   * be replayed. About 2 s; 60 s with {@code -Dpager.soak=true}.
   */
  @Test
  void aReaderRefreshingInALoopBesideACommittingWriterNeverFails() throws Exception {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    long nanos = Boolean.getBoolean("pager.soak") ? 60_000_000_000L : 2_000_000_000L;
    Path path = dir.resolve("stressed.db");
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    long refreshes = 0;
    long moved = 0;
    try (Pager writer = Pager.create(path, FAST);
        Pager reader = Pager.open(path, READ_ONLY)) {
      assertThat(reader.isRegisteredReader()).isTrue();
      Thread committer = new Thread(() -> commitUntilInterrupted(writer, new SplittableRandom(seed), failure), "writer");
      committer.start();
      try {
        long deadline = System.nanoTime() + nanos;
        while (System.nanoTime() < deadline && failure.get() == null) {
          long from = reader.generation();
          try {
            refreshes++;
            if (reader.refresh()) {
              moved++;
            }
          } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, new AssertionError("refresh " + refreshes + ", from generation " + from, e));
          }
          if (reader.generation() < from) {
            failure.compareAndSet(null, new AssertionError(
                "refresh " + refreshes + " moved back from generation " + from + " to " + reader.generation()));
          }
        }
      } finally {
        committer.interrupt();
        committer.join();
      }
      System.out.printf("[refresh beside a writer] %d refreshes, %d to a newer commit; the writer reached generation"
          + " %d; seed %d (-Dpager.seed=%d)%n", refreshes, moved, writer.generation(), seed, seed);
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw new AssertionError("seed " + seed + " (-Dpager.seed=" + seed + "): " + failed.getMessage(), failed);
    }
    assertThat(moved).as("refreshes that moved to a newer commit").isPositive();
  }

  private static void commitUntilInterrupted(
      Pager writer, SplittableRandom random, AtomicReference<@Nullable Throwable> failure) {
    List<PageId> held = new ArrayList<>();
    try {
      for (long round = 0; !Thread.currentThread().isInterrupted(); round++) {
        try (Transaction tx = writer.begin()) {
          if (random.nextInt(8) == 0) {
            if (held.size() > 16 || (!held.isEmpty() && random.nextBoolean())) {
              tx.free(held.remove(random.nextInt(held.size())));
            } else {
              held.add(tx.alloc());
            }
          }
          tx.setRoot(0, round);
          tx.commit();
        }
      }
    } catch (IOException | RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** An instant of the writer's two commits after {@code g}, each a store of one record. */
  private enum Instant {
    COMMITTED, // commit g is the newest: the older copy holds g - 1
    FIRST_TORN, // g + 1 half stored over g - 1
    FIRST_DONE,
    SECOND_TORN, // g + 2 half stored over g
    BOTH_DONE
  }

  /** The two metadata pages, whole, as one read may see them. */
  private record Moment(byte[] page1, byte[] page2) {
    byte[] page(int slot) {
      return slot == Format.METADATA_A_PAGE ? page1 : page2;
    }

    static Moment of(int slot, byte[] page, Moment other) {
      return slot == Format.METADATA_A_PAGE ? new Moment(page, other.page2) : new Moment(other.page1, page);
    }
  }

  /** One copy as it was at some instant, to be combined with the other copy of another instant. */
  private record OneCopy(int slot, byte[] page) {
    Moment and(OneCopy other) {
      return slot == Format.METADATA_A_PAGE ? new Moment(page, other.page) : new Moment(other.page, page);
    }
  }

  /**
   * A file a real writer left at commit {@code g + 2}, with every commit from {@code g - 1} on
   * whole (a snapshot pinned them), and the metadata pages at each instant of its last two commits.
   */
  private static final class TwoCommits {
    final Path path;
    final long g;
    final int pageSize;
    final int slotOfG;
    final Moment[] moments = new Moment[Instant.values().length];

    private TwoCommits(Path path, long g, int pageSize, int slotOfG, Moment committed, Moment first, Moment both) {
      this.path = path;
      this.g = g;
      this.pageSize = pageSize;
      this.slotOfG = slotOfG;
      int older = MetadataCopies.otherSlot(slotOfG);
      moments[Instant.COMMITTED.ordinal()] = committed;
      moments[Instant.FIRST_TORN.ordinal()] = Moment.of(older, torn(first.page(older), committed.page(older)), committed);
      moments[Instant.FIRST_DONE.ordinal()] = first;
      moments[Instant.SECOND_TORN.ordinal()] = Moment.of(slotOfG, torn(both.page(slotOfG), first.page(slotOfG)), first);
      moments[Instant.BOTH_DONE.ordinal()] = both;
    }

    static TwoCommits record(Path path) throws IOException {
      try (Pager writer = Pager.create(path, FAST)) {
        commit(writer);
        commit(writer);
        // Pins g - 1 and everything after it: every record below stays usable on its own.
        try (Snapshot pin = writer.snapshot()) {
          commit(writer);
          long g = writer.generation();
          Moment committed = read(path, writer.pageSize());
          commit(writer);
          Moment first = read(path, writer.pageSize());
          commit(writer);
          Moment both = read(path, writer.pageSize());
          int slotOfG = (int) (g % 2 == 1 ? Format.METADATA_A_PAGE : Format.METADATA_B_PAGE);
          assertThat(pin.generation()).isEqualTo(g - 1);
          return new TwoCommits(path, g, writer.pageSize(), slotOfG, committed, first, both);
        }
      }
    }

    Moment at(Instant instant) {
      return moments[instant.ordinal()];
    }

    OneCopy olderCopyOf(Instant instant) {
      int older = MetadataCopies.otherSlot(slotOfG);
      return new OneCopy(older, at(instant).page(older));
    }

    OneCopy newerCopyOf(Instant instant) {
      return new OneCopy(slotOfG, at(instant).page(slotOfG));
    }

    /**
     * Opens a registered reader at commit {@code g}, shows its refresh {@code seen}, lets the
     * writer finish both commits when the refresh reads the file's length, and returns the
     * generation the refresh ended at, after checking that the reader reads that commit.
     */
    long refreshAfterSeeing(Moment seen) throws IOException {
      write(at(Instant.COMMITTED));
      CatchingUp storage = new CatchingUp(FileStorage.open(path, true), () -> write(at(Instant.BOTH_DONE)));
      try (Pager reader = Pager.open(storage, READ_ONLY)) {
        assertThat(reader.isRegisteredReader()).isTrue();
        assertThat(reader.generation()).isEqualTo(g);
        write(seen);
        storage.armed = true;
        reader.refresh();
        assertThat(storage.armed).as("the refresh read the file's length").isFalse();
        long generation = reader.generation();
        assertThat(generation).as("generation after the refresh").isBetween(g, g + 2);
        assertThat(reader.root(0)).as("root value at generation %d", generation).isEqualTo(generation);
        assertThat(reader.verify().problems()).isEmpty();
        return generation;
      }
    }

    void write(Moment moment) throws IOException {
      try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap(moment.page1()), Format.METADATA_A_PAGE * pageSize);
        channel.write(ByteBuffer.wrap(moment.page2()), Format.METADATA_B_PAGE * pageSize);
      }
    }

    private static void commit(Pager writer) throws IOException {
      try (Transaction tx = writer.begin()) {
        tx.alloc();
        tx.setRoot(0, writer.generation() + 1); // each commit's root value is its generation
        tx.commit();
      }
    }

    private static Moment read(Path path, int pageSize) throws IOException {
      try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
        ByteBuffer page1 = ByteBuffer.allocate(pageSize);
        ByteBuffer page2 = ByteBuffer.allocate(pageSize);
        channel.read(page1, Format.METADATA_A_PAGE * pageSize);
        channel.read(page2, Format.METADATA_B_PAGE * pageSize);
        return new Moment(page1.array(), page2.array());
      }
    }

    private static byte[] torn(byte[] stored, byte[] before) {
      byte[] page = before.clone();
      System.arraycopy(stored, 0, page, 0, TEAR);
      return page;
    }
  }

  /** Something the writer does, in the test's own hands. */
  @FunctionalInterface
  private interface WriterStep {
    void run() throws IOException;
  }

  /** A storage whose next read of the length, once armed, first lets the writer catch up. */
  private static final class CatchingUp extends ForwardingStorage {
    private final WriterStep catchUp;
    volatile boolean armed;

    CatchingUp(Storage delegate, WriterStep catchUp) {
      super(delegate);
      this.catchUp = catchUp;
    }

    @Override
    public long size() throws IOException {
      if (armed) {
        armed = false;
        catchUp.run();
      }
      return super.size();
    }
  }
}
