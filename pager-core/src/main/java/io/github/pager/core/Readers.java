package io.github.pager.core;

import io.github.pager.core.storage.ReaderTable;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A pager's side of its file's reader table (FORMAT.md, "The lock file"). For a writer: the oldest
 * generation that a live reader, in another pager or process, reads, which the reuse rule honours.
 * For a read-only pager: its slot, where it publishes the oldest generation it still reads, and
 * the protocol that registers it.
 *
 * <p>A pager is <em>unregistered</em> when its storage has no table (a simulated storage) or, read
 * only, when its lock file cannot be created or opened for writing. An unregistered reader still
 * reads; the writer does not know it, and a read that finds a reused page reports {@link
 * StaleViewException} as it did before readers registered.
 */
final class Readers {
  /** How long a read-only open keeps trying to register while a writer commits without pause. */
  private static final long REGISTRATION_NANOS = 10_000_000_000L;

  private final @Nullable ReaderTable table;
  private final ReaderTable.@Nullable Slot slot;
  private final boolean writer;

  /** A view whose opener holds the writer lock: see {@link #underWriterLock()}. */
  private final boolean underWriterLock;

  private Readers(
      @Nullable ReaderTable table, ReaderTable.@Nullable Slot slot, boolean writer, boolean underWriterLock) {
    this.table = table;
    this.slot = slot;
    this.writer = writer;
    this.underWriterLock = underWriterLock;
  }

  /** The writer's side: reads the table at every decision of the reuse rule. */
  static Readers forWriter(Storage storage) throws IOException {
    return new Readers(storage.readerTable(), null, true, false);
  }

  /**
   * The side of a read-only view that the holder of the file's writer lock opens on one commit (a
   * repair checking a commit it may make current, {@link PageFileRepair}): no writer can move past
   * that commit while the lock is held, so the view counts as registered (its commit is kept
   * whole, and what fails a check is damage, never a stale view), although it holds no slot.
   */
  static Readers underWriterLock() {
    return new Readers(null, null, false, true);
  }

  /**
   * A read-only pager's side: takes a free slot, which publishes nothing until {@link #open}.
   *
   * <p>A compaction takes the compaction lock before every slot and gives it back after them: so
   * when no slot is free and the lock is held, a compaction holds the slots; when it is free, any
   * compaction that held them has given them back, and a second try finds one unless readers do.
   *
   * @throws CompactionInProgressException when a compaction holds every slot
   * @throws ReaderTableFullException when every slot belongs to a live reader
   */
  static Readers forReader(Storage storage) throws IOException {
    ReaderTable table = storage.readerTable();
    if (table == null) {
      return new Readers(null, null, false, false);
    }
    ReaderTable.Slot slot = table.tryTake();
    if (slot == null && table.compactionRunning()) {
      throw new CompactionInProgressException(
          storage.describe() + " is being compacted: the compaction holds every slot of the reader table in "
              + table.path() + " until it has cut the file, so no read-only pager registers meanwhile (the table"
              + " is not full of readers). Open again once the compaction is done");
    }
    if (slot == null) {
      slot = table.tryTake();
    }
    if (slot == null) {
      throw new ReaderTableFullException(
          storage.describe() + " has " + table.capacity() + " read-only pagers open already, in this process or"
              + " others: every slot of the reader table in " + table.path() + " belongs to a live reader. Close"
              + " read-only pagers that are no longer used (and their snapshots), then open again");
    }
    return new Readers(table, slot, false, false);
  }

  /**
   * Opens the file read-only and registers the commit it opened at: the registration protocol.
   *
   * <p>The slot publishes the generation {@code g} just opened, with a full fence after the store,
   * and then the file's records are read again. A writer decides to touch something {@code g}
   * reaches only after it has stored the record of commit {@code g + 1}: to hand out a page {@code
   * g} reaches it waits for {@code g + 2}, and a layer that rewrites a copy in place (protected
   * pages stage into the copy that was active at {@code g} once {@code g + 1} made it inactive)
   * decides in a transaction after {@code g + 1}. It reads the table after that store, behind a
   * fence of its own. So if the records read here still show {@code g}, every such decision comes
   * after the writer's store that this read missed, and therefore reads this slot: {@code g} is
   * safe from then on. If they show more, the writer may have decided without this slot: open
   * again at the newest commit and check again. Nothing {@code g} reaches beyond its root and its
   * pending list has been read before the check passes.
   *
   * @return the commit to read, registered (or simply opened, when unregistered)
   * @throws StaleViewException when a writer kept committing for the whole registration deadline
   */
  PageFileOpener.Opened open(Storage storage, PagerOptions options) throws IOException {
    PageFileOpener.Opened opened = PageFileOpener.open(storage, options);
    ReaderTable.Slot held = slot;
    if (held == null) {
      return opened;
    }
    long deadline = System.nanoTime() + REGISTRATION_NANOS;
    while (true) {
      held.publish(opened.record().generation);
      // Compared with the newest generation the open saw, not with the commit it opened at: when
      // the newest record's tree is damaged, open falls back to the one before, and the newest
      // valid generation stays ahead of it while no commit happens.
      if (opened.file().newestGeneration() == opened.lastGeneration()) {
        return opened;
      }
      // A commit slipped in between this open's read of the records and its store: each try
      // takes microseconds, so this ends as soon as the writer pauses for that long.
      if (System.nanoTime() > deadline) {
        throw new StaleViewException(
            opened.file().describe() + ": a writer committed without a pause for "
                + REGISTRATION_NANOS / 1_000_000_000L + " s while this read-only open registered its commit;"
                + " open again");
      }
      opened = PageFileOpener.reread(opened.file(), opened.superblockRecovered());
    }
  }

  /**
   * A read-only pager publishes the oldest generation it still reads (its commit, or an older
   * snapshot's); it may only grow. Does nothing for a writer or an unregistered reader.
   */
  void publish(long oldestRead) {
    if (slot != null) {
      slot.publish(oldestRead);
    }
  }

  /**
   * Returns the oldest generation a live reader other than this pager reads, or {@link
   * Long#MAX_VALUE} when none does (or there is no table). The writer's scan also clears the slots
   * of readers that are gone.
   */
  long oldest() {
    if (table != null && writer) {
      return table.oldestLiveGeneration(); // at every commit: one probe for any number of readers
    }
    return census().oldestGeneration();
  }

  /** Returns how many live readers other than this pager publish a generation. */
  int live() {
    return census().live();
  }

  private ReaderTable.Census census() {
    if (table == null) {
      return new ReaderTable.Census(0, Long.MAX_VALUE);
    }
    return writer ? table.readersReclaimingDead() : table.readers(slot);
  }

  /**
   * Tells whether this read-only pager's commit is kept whole: it holds a slot, or its opener
   * holds the writer lock.
   */
  boolean isRegistered() {
    return slot != null || underWriterLock;
  }

  /** Gives the slot back; the table itself belongs to the storage. */
  void close() throws IOException {
    if (slot != null) {
      slot.close();
    }
  }
}
