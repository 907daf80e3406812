package io.github.pager.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The reader table in a page file's lock file: fixed slots in which read-only pagers, in any
 * process, publish the generation they read, so that the writer keeps every page those
 * generations reach (FORMAT.md, "The lock file").
 *
 * <p>A slot belongs to whoever holds the exclusive POSIX record lock on its byte range. The kernel
 * drops that lock when its process dies, however it dies, so a slot whose lock is free is dead
 * whatever generation it still holds: nobody has to clean up after a killed reader. The writer
 * tells live slots from dead ones by trying the lock itself, without waiting, and letting go at
 * once; a reader never waits for the writer and the writer never waits for a reader.
 *
 * <p>The table is the first {@link #LOCK_TABLE_BYTES} bytes of the lock file, mapped shared by every process
 * that uses it: a generation is one aligned 8-byte word, stored and loaded whole, and the mapping
 * is the page cache itself, so a store is seen by every other process's loads in the order the
 * processor's fences give. That is what the registration protocol needs (a reader's store of its
 * generation against the writer's store of its next record, each followed by a full fence and a
 * load of the other's); positional reads and writes of the file would copy bytes with no promise
 * that an 8-byte word is not seen half old and half new. Every lock goes through the JVM's one
 * channel of the lock file ({@link SharedLockFile}).
 *
 * <p>Obtained from {@link FileStorage#readerTable()}; the storage closes it.
 */
public final class ReaderTable {
  /** Bytes the table takes at the start of the lock file: the header and every slot. */
  static final int LOCK_TABLE_BYTES = 4096;

  /** The header: one u64 holding magic, version and slot count, written once by a single CAS. */
  static final int LOCK_HEADER = 0;

  /** ASCII "PGLK" read as a little-endian u32: the header's bits 0..31. */
  static final int LOCK_MAGIC_VALUE = 0x4B4C4750;

  /** The table layout's version: the header's bits 32..47. */
  static final int LOCK_VERSION = 1;

  /** Slots in the table: the header's bits 48..63. */
  public static final int SLOT_COUNT = 126;

  /** Where slot 0 starts; slot {@code i} is bytes {@code [LOCK_FIRST_SLOT + i · LOCK_SLOT_SIZE, +LOCK_SLOT_SIZE)}. */
  static final int LOCK_FIRST_SLOT = 64;

  /** Bytes per slot; also the length of the slot's lock range. */
  static final int LOCK_SLOT_SIZE = 32;

  /** Slot field: the oldest generation its reader reads, 0 while it reads none. */
  static final int SLOT_GENERATION = 0;

  /** Slot field: the process id of its reader, for people reading the file; never trusted. */
  static final int SLOT_PROCESS = 8;

  /**
   * The compaction lock: the byte range {@code [LOCK_COMPACTION, LOCK_COMPACTION + 1)}, held
   * exclusive by a compaction from before it takes every slot until after it has given them back,
   * so that a reader that finds no free slot can tell a compaction from a full table. A range of
   * the header, which the lock does not change: locks and bytes are independent.
   */
  static final long LOCK_COMPACTION = 1;

  /** The header of a table of this layout. */
  static final long LOCK_HEADER_VALUE =
      (LOCK_MAGIC_VALUE & 0xFFFF_FFFFL) | (long) LOCK_VERSION << 32 | (long) SLOT_COUNT << 48;

  private static final VarHandle U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

  private final SharedLockFile file;
  private final MemorySegment table;

  /**
   * Checks the header of a mapped table, writing it first if the table is new (all zero).
   *
   * @throws LockFileFormatException when the header names another layout
   */
  ReaderTable(SharedLockFile file, MemorySegment table) throws LockFileFormatException {
    this.file = file;
    this.table = table;
    // One CAS: of several processes creating the table at once, one writes the header and the
    // others find it; a header is never seen half written.
    long found = (long) U64.compareAndExchange(table, (long) LOCK_HEADER, 0L, LOCK_HEADER_VALUE);
    if (found != 0 && found != LOCK_HEADER_VALUE) {
      throw new LockFileFormatException(file.path() + " " + unknownHeader(found));
    }
  }

  private static String unknownHeader(long header) {
    if ((int) header == LOCK_MAGIC_VALUE) {
      return "holds a reader table of version " + (header >>> 32 & 0xFFFF) + " with " + (header >>> 48)
          + " slots; this library knows version " + LOCK_VERSION + " with " + SLOT_COUNT + " slots";
    }
    return "is not a lock file of this library: its header is 0x" + Long.toHexString(header)
        + ", not 0x" + Long.toHexString(LOCK_HEADER_VALUE);
  }

  /**
   * Returns the lock file.
   *
   * @return its path
   */
  public Path path() {
    return file.path();
  }

  /**
   * Returns how many readers the table can hold at once.
   *
   * @return the slot count
   */
  public int capacity() {
    return SLOT_COUNT;
  }

  /**
   * Takes a free slot for a reader, without waiting: the first slot whose lock this call can
   * take. The slot publishes nothing until {@link Slot#publish}.
   *
   * @return the slot, held until closed; null when every slot is held by a live reader (or, for
   *     an instant, probed by a writer), or by a compaction (see {@link #lockForCompaction()})
   * @throws IOException when a lock cannot be attempted
   */
  public @Nullable Slot tryTake() throws IOException {
    for (int i = 0; i < SLOT_COUNT; i++) {
      FileLock lock = file.tryLockAndHold(slotOffset(i), LOCK_SLOT_SIZE);
      if (lock != null) {
        // A dead reader's generation may still be there: none until this reader publishes one.
        U64.setVolatile(table, slotOffset(i) + SLOT_GENERATION, 0L);
        U64.setVolatile(table, slotOffset(i) + SLOT_PROCESS, ProcessHandle.current().pid());
        return new Slot(i, lock);
      }
    }
    return null;
  }

  /**
   * Takes the compaction lock, for a compaction about to take every slot: while it is held,
   * {@link #compactionRunning()} says so to readers, in any process, that find no free slot. Take
   * it before the slots, and give them back before closing it.
   *
   * @return the lock, held until closed; null when another compaction holds it
   * @throws IOException when the lock cannot be attempted
   */
  public @Nullable CompactionLock lockForCompaction() throws IOException {
    FileLock lock = file.tryLockAndHold(LOCK_COMPACTION, 1);
    return lock == null ? null : new CompactionLock(lock);
  }

  /**
   * Tells whether a compaction, in this process or another, holds the compaction lock: probes it
   * with a shared lock, released at once.
   *
   * @return true while a compaction holds the table; false when none does, or the lock cannot be
   *     probed
   */
  public boolean compactionRunning() {
    FileLock probe;
    try {
      probe = file.tryLock(LOCK_COMPACTION, 1, true);
    } catch (IOException e) {
      return false;
    }
    if (probe == null) {
      return true;
    }
    try {
      file.release(probe);
    } catch (IOException e) {
      // The probe goes with the channel at the latest; no compaction held the lock either way.
    }
    return false;
  }

  /**
   * Counts the live readers and finds the oldest generation they read, writing nothing: for
   * read-only pagers and tools. A slot is probed with a shared lock that is released at once.
   *
   * @param except a slot of the caller's own, left out of the count; or null
   * @return the census
   */
  public Census readers(@Nullable Slot except) {
    return census(except == null ? -1 : except.index, false);
  }

  /**
   * Counts the live readers and finds the oldest generation they read, as the writer does. A slot
   * that holds a generation but whose lock is free belonged to a reader that is gone: this probe
   * takes its lock exclusively, and while it holds it, clears the generation, so that later scans
   * need not probe the slot again.
   *
   * @return the census
   */
  public Census readersReclaimingDead() {
    return census(-1, true);
  }

  /**
   * Finds the oldest generation a live reader reads, as the writer does before it hands out freed
   * pages, at every commit: probes the publishing slots oldest first and stops at the first live
   * one, so that a table of live readers costs one probe. Dead slots met on the way are cleared
   * as {@link #readersReclaimingDead()} clears them.
   *
   * @return the oldest live generation, or {@link Long#MAX_VALUE} when none
   */
  public long oldestLiveGeneration() {
    // The second half of the registration protocol's pair, as in census().
    VarHandle.fullFence();
    // Probe in order of (generation, slot), each pass reading the slots again rather than copying
    // them into an array: this runs at every commit, and a commit should not make garbage. A slot
    // that changed between passes is no loss: one that emptied pins nothing, and one that a new
    // reader took publishes a generation no older than the records it read, which it checks again
    // after publishing (the registration protocol).
    long probedGeneration = 0;
    int probedSlot = -1;
    while (true) {
      int oldest = -1;
      long oldestGeneration = 0;
      for (int i = 0; i < SLOT_COUNT; i++) {
        long generation = (long) U64.getVolatile(table, slotOffset(i) + SLOT_GENERATION);
        boolean afterProbed = generation > probedGeneration || (generation == probedGeneration && i > probedSlot);
        if (generation != 0 && afterProbed && (oldest < 0 || generation < oldestGeneration)) {
          oldest = i;
          oldestGeneration = generation;
        }
      }
      if (oldest < 0) {
        return Long.MAX_VALUE;
      }
      if (isLive(oldest, true)) {
        return oldestGeneration;
      }
      probedGeneration = oldestGeneration;
      probedSlot = oldest;
    }
  }

  private Census census(int except, boolean reclaim) {
    // The second half of the registration protocol's pair: the caller stored its newest record
    // before this fence, and loads the slots after it (see FORMAT.md, "The lock file").
    VarHandle.fullFence();
    int live = 0;
    long oldest = Long.MAX_VALUE;
    for (int i = 0; i < SLOT_COUNT; i++) {
      long generation = (long) U64.getVolatile(table, slotOffset(i) + SLOT_GENERATION);
      // A slot that publishes nothing is free or still registering: a registering reader checks
      // the records again after it publishes, and so sees what this scan missed.
      if (i != except && generation != 0 && isLive(i, reclaim)) {
        live++;
        oldest = Math.min(oldest, generation);
      }
    }
    return new Census(live, oldest);
  }

  /** Probes a slot's lock: held means live. A slot that cannot be probed counts as live. */
  private boolean isLive(int slot, boolean reclaim) {
    FileLock probe;
    try {
      probe = file.tryLock(slotOffset(slot), LOCK_SLOT_SIZE, !reclaim);
    } catch (IOException e) {
      return true;
    }
    if (probe == null) {
      return true;
    }
    try {
      if (reclaim) {
        // Safe while the exclusive probe is held: a reader takes a slot's lock before it writes.
        U64.setVolatile(table, slotOffset(slot) + SLOT_GENERATION, 0L);
      }
    } finally {
      try {
        file.release(probe);
      } catch (IOException e) {
        // The lock goes with the channel at the latest; the slot was dead either way.
      }
    }
    return false;
  }

  /** Gives the lock file back: its channel closes when no other lock of this JVM uses it. */
  void close() throws IOException {
    file.releaseTable();
  }

  private static long slotOffset(int slot) {
    return LOCK_FIRST_SLOT + (long) slot * LOCK_SLOT_SIZE;
  }

  /**
   * What a scan of the table found.
   *
   * @param live how many slots belong to live readers and publish a generation
   * @param oldestGeneration the oldest generation a live reader reads; {@link Long#MAX_VALUE}
   *     when none
   */
  public record Census(int live, long oldestGeneration) {}

  /** The compaction lock, held from {@link #lockForCompaction()} until closed. */
  public final class CompactionLock implements AutoCloseable {
    private final FileLock lock;
    private boolean closed;

    private CompactionLock(FileLock lock) {
      this.lock = lock;
    }

    /**
     * Releases the lock; closing twice does nothing.
     *
     * @throws IOException when the lock cannot be released (it goes with the channel at the latest)
     */
    @Override
    public synchronized void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      file.releaseHeld(lock);
    }
  }

  /** One reader's slot, held from {@link #tryTake} until closed. */
  public final class Slot implements AutoCloseable {
    private final int index;
    private final FileLock lock;
    private boolean closed;

    private Slot(int index, FileLock lock) {
      this.index = index;
      this.lock = lock;
    }

    /**
     * Returns the slot's number in the table.
     *
     * @return from 0 to {@link #SLOT_COUNT} - 1
     */
    public int index() {
      return index;
    }

    /**
     * Publishes the oldest generation the reader reads, then fences: a load the caller makes
     * after this returns (of the page file's records, say) is ordered after the store. Does
     * nothing once the slot is closed.
     *
     * @param generation a generation, 1 or more
     * @throws IllegalArgumentException when the generation is below 1
     */
    public synchronized void publish(long generation) {
      if (generation < 1) {
        throw new IllegalArgumentException("a reader reads generation 1 or later, not " + generation);
      }
      if (closed) {
        return;
      }
      U64.setVolatile(table, slotOffset(index) + SLOT_GENERATION, generation);
      VarHandle.fullFence();
    }

    /**
     * Returns the generation the slot publishes.
     *
     * @return the generation; 0 before the first {@link #publish} and after {@link #close()}
     *     (while the storage that handed out the table is open)
     */
    public long published() {
      return (long) U64.getVolatile(table, slotOffset(index) + SLOT_GENERATION);
    }

    /**
     * Clears the slot and releases its lock; closing twice does nothing.
     *
     * @throws IOException when the lock cannot be released (it goes with the channel at the latest)
     */
    @Override
    public synchronized void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      // Cleared before the lock goes: once it is released, the slot may be another reader's.
      U64.setVolatile(table, slotOffset(index) + SLOT_GENERATION, 0L);
      file.releaseHeld(lock);
    }

    @Override
    public String toString() {
      return "reader slot " + index + " of " + file.path();
    }
  }
}
