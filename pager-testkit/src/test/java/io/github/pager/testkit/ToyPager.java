package io.github.pager.testkit;

import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * A tiny shadow-paging store of one 64-bit value, written on {@link Storage} the way the pager
 * is, with switches that break its commit protocol in the ways a real pager could go wrong.
 *
 * <p>Layout, in 4 KiB pages: page 0 holds a 16-byte pointer (slot u32, generation u64, CRC32C
 * u32 of the first 12 bytes) at {@code pointerOffset}; pages 1 and 2 hold a 1 KiB record each
 * (generation u64, value u64, filler, CRC32C u32 at 1020), two sectors long, like a real
 * metadata record that does not fit one sector. A commit writes the inactive record, syncs
 * everything, writes the pointer and syncs page 0. A failed sync poisons the toy, as it does the
 * pager: every later commit is refused with {@link Unavailable}, and the file must be reopened.
 */
final class ToyPager implements AutoCloseable {
  static final int PAGE = 4096;
  static final int RECORD = 1024;
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

  /** The ways to break the protocol, one per test; {@link #NONE} is the correct toy. */
  record Flaws(
      boolean writeActiveInPlace, boolean skipSyncBeforeFlip, int pointerOffset, boolean keepWorkingAfterFailedSync,
      boolean readUnreadableAsZero, boolean repairOnOpenUnsafely) {
    static final Flaws NONE = new Flaws(false, false, 0, false, false, false);

    /** A commit overwrites the active record instead of the other one. */
    static Flaws writingActiveInPlace() {
      return new Flaws(true, false, 0, false, false, false);
    }

    /** A commit flips the pointer without syncing the record first. */
    static Flaws skippingSyncBeforeFlip() {
      return new Flaws(false, true, 0, false, false, false);
    }

    /** The pointer sits at {@code offset} of page 0: across a sector boundary at 504. */
    static Flaws pointerAt(int offset) {
      return new Flaws(false, false, offset, false, false, false);
    }

    /** A failed sync does not poison the toy: it goes on as if the data were on disk. */
    static Flaws keepingWorkingAfterFailedSync() {
      return new Flaws(false, false, 0, true, false, false);
    }

    /** A record the disk cannot read is taken for a fresh one holding 0, instead of refusing the file. */
    static Flaws readingUnreadableAsZero() {
      return new Flaws(false, false, 0, false, true, false);
    }

    /**
     * Open "repairs" the file by raising its generation, pointer first: a crash between the
     * pointer's sync and the record's leaves a pointer that names a record of another generation.
     */
    static Flaws repairingOnOpenUnsafely() {
      return new Flaws(false, false, 0, false, false, true);
    }
  }

  /** The toy refuses work because an earlier sync failed. */
  static final class Unavailable extends IOException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Storage storage;
  private final Flaws flaws;
  private final MemorySegment file;
  private int activeSlot;
  private long generation;
  private long value;
  private @Nullable IOException failedSync;

  private ToyPager(Storage storage, Flaws flaws, MemorySegment file) {
    this.storage = storage;
    this.flaws = flaws;
    this.file = file;
  }

  static ToyPager create(Storage storage, Flaws flaws) throws IOException {
    storage.extend(3L * PAGE);
    ToyPager toy = new ToyPager(storage, flaws, storage.map(0, 3L * PAGE));
    toy.writeRecord(1, 1, 0);
    storage.syncAll();
    toy.writePointer(1, 1);
    storage.sync(0, PAGE);
    toy.activeSlot = 1;
    toy.generation = 1;
    return toy;
  }

  static ToyPager open(Storage storage, Flaws flaws) throws IOException {
    if (storage.size() < 3L * PAGE) {
      throw new NotAPageFileException("not a toy file: " + storage.size() + " bytes");
    }
    ToyPager toy = new ToyPager(storage, flaws, storage.map(0, 3L * PAGE));
    MemorySegment pointer = toy.file.asSlice(flaws.pointerOffset(), 16);
    if (isZero(pointer)) {
      throw new NotAPageFileException("not a toy file yet: its pointer was never written");
    }
    if (pointer.get(U32, 12) != crc(pointer, 12)) {
      throw new IOException("corrupt pointer");
    }
    int slot = pointer.get(U32, 0);
    long generation = pointer.get(U64, 4);
    if (slot != 1 && slot != 2) {
      throw new IOException("pointer names slot " + slot);
    }
    MemorySegment record;
    try {
      // Read into the heap first: a checksum over a mapping the disk cannot read kills the JVM.
      record = MemorySegment.ofArray(toy.file.asSlice((long) slot * PAGE, RECORD).toArray(ValueLayout.JAVA_BYTE));
    } catch (InternalError unreadable) {
      if (flaws.readUnreadableAsZero()) {
        toy.activeSlot = slot;
        toy.generation = generation;
        return toy; // the flaw: holds 0, as if fresh
      }
      throw new IOException("the record in slot " + slot + " (page " + slot + ") is unreadable: " + unreadable.getMessage(),
          unreadable);
    }
    if (record.get(U32, RECORD - 4) != crc(record, RECORD - 4) || record.get(U64, 0) != generation) {
      throw new IOException("record in slot " + slot + " is corrupt or not generation " + generation);
    }
    toy.activeSlot = slot;
    toy.generation = generation;
    toy.value = record.get(U64, 8);
    if (flaws.repairOnOpenUnsafely() && !storage.isReadOnly()) {
      // The flaw: the pointer names the new generation before the record holds it.
      toy.writePointer(slot, generation + 1);
      storage.sync(0, PAGE);
      toy.writeRecord(slot, generation + 1, toy.value);
      storage.sync((long) slot * PAGE, PAGE);
      toy.generation++;
    }
    return toy;
  }

  private static boolean isZero(MemorySegment bytes) {
    for (long at = 0; at < bytes.byteSize(); at++) {
      if (bytes.get(ValueLayout.JAVA_BYTE, at) != 0) {
        return false;
      }
    }
    return true;
  }

  long value() {
    return value;
  }

  /** The record slot the pointer names: 1 or 2, which is also the record's page. */
  int activeSlot() {
    return activeSlot;
  }

  void commit(long newValue) throws IOException {
    IOException failed = failedSync;
    if (failed != null) {
      throw new Unavailable("a sync failed; reopen the toy to recover", failed);
    }
    int slot = flaws.writeActiveInPlace() ? activeSlot : 3 - activeSlot;
    writeRecord(slot, generation + 1, newValue);
    try {
      if (!flaws.skipSyncBeforeFlip()) {
        storage.syncAll();
      }
      writePointer(slot, generation + 1);
      storage.sync(0, PAGE);
    } catch (IOException e) {
      if (!flaws.keepWorkingAfterFailedSync()) {
        failedSync = e;
      }
      throw e;
    }
    activeSlot = slot;
    generation++;
    value = newValue;
  }

  private void writeRecord(int slot, long gen, long newValue) {
    MemorySegment record = file.asSlice((long) slot * PAGE, RECORD);
    record.set(U64, 0, gen);
    record.set(U64, 8, newValue);
    for (long at = 16; at < RECORD - 4; at += 8) {
      record.set(U64, at, newValue ^ at);
    }
    record.set(U32, RECORD - 4, crc(record, RECORD - 4));
  }

  private void writePointer(int slot, long gen) {
    MemorySegment pointer = file.asSlice(flaws.pointerOffset(), 16);
    pointer.set(U32, 0, slot);
    pointer.set(U64, 4, gen);
    pointer.set(U32, 12, crc(pointer, 12));
  }

  private static int crc(MemorySegment segment, int length) {
    CRC32C crc = new CRC32C();
    crc.update(segment.asSlice(0, length).asByteBuffer());
    return (int) crc.getValue();
  }

  @Override
  public void close() throws IOException {
    storage.close();
  }

  /** The toy as a {@link CrashTarget}, for {@link ModelWorkload}: its state is its value. */
  static final class Target implements CrashTarget<Long> {
    private final Flaws flaws;
    private @Nullable ToyPager toy;

    Target(Flaws flaws) {
      this.flaws = flaws;
    }

    ToyPager toy() {
      ToyPager open = toy;
      if (open == null) {
        throw new IllegalStateException("the toy is not open");
      }
      return open;
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public Long create(SimulatedStorage storage) throws IOException {
      toy = ToyPager.create(storage, flaws);
      return 0L;
    }

    @Override
    public void open(SimulatedStorage storage) throws IOException {
      toy = ToyPager.open(storage, flaws);
    }

    @Override
    public Long recover(CrashExpectation<Long> expected) {
      return expected.require(toy().value());
    }

    @Override
    public void close() throws IOException {
      ToyPager open = toy;
      toy = null;
      if (open != null) {
        open.close();
      }
    }

    @Override
    public void abandon() {
      toy = null;
    }

    /** An application retrying the commit that failed: the toy must refuse it. */
    @Override
    public void afterFailure(IOException failure, Long state) {
      ToyPager open = toy;
      if (open != null) {
        requireRefusal(open, state + 1, failure);
      }
    }
  }

  /** Create, then commit {@code commits} increasing values, on {@link ModelWorkload}. */
  static ModelWorkload<Long, Target> modelWorkload(Flaws flaws, int commits) {
    CrashOperation<Long, Target> next = (target, value, step) -> {
      step.inFlight(value + 1);
      target.toy().commit(value + 1);
      return value + 1;
    };
    return ModelWorkload.of(() -> new Target(flaws), commits, List.of(next));
  }

  /**
   * A workload: create, then commit {@code commits} increasing values, acknowledging each. After
   * a failed sync it requires the toy to refuse a retry of the same commit, then (the driver)
   * reboots, reopens, requires the toy to hold the acknowledged or the in-flight value, and goes
   * on from it.
   */
  static CrashWorkload<Long> workload(Flaws flaws, int commits) {
    return modelWorkload(flaws, commits);
  }

  /** An application retrying the commit that failed: the toy must refuse it. */
  private static void requireRefusal(ToyPager toy, long value, IOException failure) {
    try {
      toy.commit(value);
    } catch (Unavailable expected) {
      return;
    } catch (IOException e) {
      throw new AssertionError("a retry after a failed sync threw " + e + " instead of refusing", e);
    }
    throw new AssertionError("the toy kept working after a failed sync (" + failure.getMessage()
        + "): it accepted a retry of the commit of " + value);
  }

  /** The check: the file opens (once created) and holds the acknowledged or in-flight value. */
  static CrashCheck<Long> check(Flaws flaws) {
    return ModelWorkload.check(() -> new Target(flaws));
  }
}
