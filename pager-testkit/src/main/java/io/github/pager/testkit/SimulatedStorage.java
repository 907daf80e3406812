package io.github.pager.testkit;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory {@link Storage} that simulates what power loss does to a memory-mapped file: it
 * keeps what the page cache holds apart from what is durable, and can build the image a crash at
 * any instant would leave.
 *
 * <p>The simulation keeps three images of the file:
 *
 * <ul>
 *   <li>the <em>cache</em>: an off-heap segment that every {@link #map} slices, so all mappings
 *       alias and stores land in it at once, as in the page cache;
 *   <li>the <em>baseline</em>: what the kernel believes is on disk. An OS page (4 KiB by default)
 *       whose cache differs from its baseline is dirty and will be written back some time;
 *   <li>the <em>durable</em> image: what really is on disk.
 * </ul>
 *
 * <p>Baseline and durable agree except after a failed sync: Linux then marks the range clean
 * although it may never have reached the disk, and no later sync writes it again. A successful
 * {@link #sync} copies the cache into both for every OS page its range touches; {@link
 * #syncAll} does so for the whole file; {@link #extend} and {@link #reserve} are durable when
 * they return and sync nothing else (the contract does not promise it, so a pager must not
 * lean on it). A crash ({@link #crash(long)}) keeps the durable image and resolves each dirty
 * OS page to old, new, or torn at 512-byte sectors.
 *
 * <p>Files are meant to be small (the whole capacity is allocated up front); a few dozen pages
 * keep a crash exploration to seconds.
 *
 * <pre>{@code
 * SimulatedStorage storage = SimulatedStorage.builder().capacity(1 << 20).build();
 * try (Pager pager = Pager.create(storage, options)) {
 *   pager.alloc();
 *   SimulatedStorage crashed = storage.crash(seed);   // power loss, now
 *   try (Pager reopened = Pager.open(crashed, options)) { ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method takes the storage's lock, as a file's metadata operations are
 * serialized by the kernel. Stores into mapped segments are not synchronized, as in a real
 * mapping.
 */
public final class SimulatedStorage implements Storage {
  /** The OS page size the simulation assumes unless told otherwise: the unit of writeback. */
  public static final int DEFAULT_OS_PAGE_SIZE = 4096;

  /** The capacity the simulation allocates unless told otherwise: 1 MiB. */
  public static final long DEFAULT_CAPACITY = 1L << 20;

  private final String name;
  private final int osPageSize;
  private final long capacity;
  private final boolean readOnly;
  private final Run run;
  private final Arena arena;
  private final MemorySegment cache;
  private final byte[] baseline;
  private final byte[] durable;
  private final MemorySegment baselineView;
  private long size;
  private boolean lockedElsewhere;

  /**
   * The durable image as the last snapshot copied it, reused by the next snapshot while nothing
   * reached the disk in between: a crash explorer takes a snapshot at every call, and most calls
   * change only the cache. Cleared whenever the durable image changes.
   */
  private byte @Nullable [] durableCopy;

  /** The cache as it was at close, so that {@link #restart} works after the pager closed us. */
  private byte @Nullable [] cacheAtClose;

  private boolean closed;

  /**
   * The OS pages the disk cannot read ({@link #makeUnreadable}): their range of the cache faults on
   * every access, they are never dirty, and every storage that follows this one (restart, reboot,
   * crash) keeps them unreadable, since they are part of the disk.
   */
  private final java.util.TreeSet<Long> unreadable = new java.util.TreeSet<>();

  /** False for the storages the explorer builds for its checks, which nothing restarts. */
  private final boolean keepsCacheAtClose;

  /**
   * What outlives one storage object when the simulated process restarts: the numbering of
   * calls, the fault plan's counters, and who is watching.
   */
  static final class Run {
    final FaultPlan.Injector faults;
    @Nullable CallObserver observer;
    long nextCall;

    /** Growths refused because they exceed the capacity: the simulated disk was full. */
    long spaceRefusals;

    /** The largest size the file reached. */
    long largestSize;

    /** The length the disk keeps since an extension was lost, or -1 when the length is durable. */
    long lostExtensionSize = -1;

    Run(FaultPlan plan, @Nullable CallObserver observer) {
      this.faults = plan.start();
      this.observer = observer;
    }
  }

  /** Told just before and just after every intercepted call; the crash explorer's hook. */
  interface CallObserver {
    void before(SimulatedStorage storage, StorageCall call);

    void after(SimulatedStorage storage, StorageCall call, @Nullable Throwable failure);
  }

  // The arena lives as long as this storage, which is Closeable and closes it in close().
  @SuppressWarnings("MustBeClosedChecker")
  private SimulatedStorage(
      String name, int osPageSize, long capacity, boolean readOnly, Run run, byte @Nullable [] image,
      byte @Nullable [] baselineImage, byte @Nullable [] durableImage) {
    int bytes = checkGeometry(osPageSize, capacity);
    this.name = name;
    this.osPageSize = osPageSize;
    this.capacity = capacity;
    this.readOnly = readOnly;
    this.run = run;
    this.keepsCacheAtClose = true;
    this.arena = Arena.ofShared();
    this.cache = arena.allocate(bytes, osPageSize);
    if (image == null) {
      this.baseline = new byte[bytes];
      this.durable = new byte[bytes];
    } else {
      if (image.length > capacity) {
        throw new IllegalArgumentException("an image of " + image.length + " bytes exceeds the capacity " + capacity);
      }
      MemorySegment.copy(image, 0, cache, ValueLayout.JAVA_BYTE, 0, image.length);
      // copyOf rather than new + arraycopy: the copied part is not zeroed first (files run to MiBs).
      this.baseline = java.util.Arrays.copyOf(baselineImage == null ? image : baselineImage, bytes);
      this.durable = java.util.Arrays.copyOf(durableImage == null ? image : durableImage, bytes);
      this.size = image.length;
    }
    this.baselineView = MemorySegment.ofArray(baseline);
  }

  /**
   * A clean storage over a post-crash image handed over by the caller, as long as the rounded
   * capacity, whose first {@code size} bytes are the file; it keeps no copy of its cache at
   * close, so it cannot restart. For the explorer's checks, which build thousands of these.
   */
  @SuppressWarnings("MustBeClosedChecker")
  private SimulatedStorage(String name, int osPageSize, long capacity, byte[] ownedImage, long size) {
    int bytes = checkGeometry(osPageSize, capacity);
    if (ownedImage.length != bytes || size > capacity) {
      throw new IllegalArgumentException("an image of " + size + " bytes in " + ownedImage.length + " does not fit " + capacity);
    }
    this.name = name;
    this.osPageSize = osPageSize;
    this.capacity = capacity;
    this.readOnly = false;
    this.run = new Run(FaultPlan.none(), null);
    this.keepsCacheAtClose = false;
    this.arena = Arena.ofShared();
    this.cache = arena.allocate(bytes, osPageSize);
    MemorySegment.copy(ownedImage, 0, cache, ValueLayout.JAVA_BYTE, 0, (int) size);
    this.durable = ownedImage;
    this.baseline = ownedImage.clone();
    this.baselineView = MemorySegment.ofArray(baseline);
    this.size = size;
  }

  /**
   * Builds a clean storage holding image {@code number} of a snapshot (see {@link CrashImage}),
   * straight into its own buffers; it cannot restart.
   */
  static SimulatedStorage ofCrashImage(
      String name, int osPageSize, long capacity, Snapshot snapshot, int number, long seed, long point) {
    byte[] image = java.util.Arrays.copyOf(snapshot.durable, checkGeometry(osPageSize, capacity));
    CrashImage.resolve(snapshot, number, seed, point, image);
    return new SimulatedStorage(name, osPageSize, capacity, image, snapshot.durable.length);
  }

  /** Checks an OS page size and a capacity; returns the bytes to allocate. */
  private static int checkGeometry(int osPageSize, long capacity) {
    if (Integer.bitCount(osPageSize) != 1 || osPageSize < CrashImage.SECTOR_SIZE) {
      throw new IllegalArgumentException("OS page size " + osPageSize + " is not a power of two of at least 512");
    }
    if (capacity <= 0 || capacity > Integer.MAX_VALUE - osPageSize) {
      throw new IllegalArgumentException("capacity " + capacity + " is outside (0, 2 GiB)");
    }
    return (int) roundUp(capacity, osPageSize);
  }

  /**
   * Returns a builder of an empty simulated storage.
   *
   * @return a builder with the defaults: 1 MiB capacity, 4 KiB OS pages, no faults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates an empty simulated storage with the defaults.
   *
   * @return the storage, zero bytes long
   */
  public static SimulatedStorage create() {
    return builder().build();
  }

  /**
   * Creates a simulated storage holding an image, all of it durable and clean, as a file looks
   * when it is opened after a crash.
   *
   * @param image the file's bytes
   * @return the storage; its capacity is the default or the image's length, whichever is larger
   */
  public static SimulatedStorage fromImage(byte[] image) {
    return builder().capacity(Math.max(DEFAULT_CAPACITY, image.length)).buildFrom(image);
  }

  /** Configures a {@link SimulatedStorage}; see {@link SimulatedStorage#builder()}. */
  public static final class Builder {
    private String name = "simulated";
    private int osPageSize = DEFAULT_OS_PAGE_SIZE;
    private long capacity = DEFAULT_CAPACITY;
    private boolean readOnly;
    private FaultPlan faults = FaultPlan.none();

    private Builder() {}

    /**
     * Sets the name the storage describes itself by.
     *
     * @param name any text
     * @return this builder
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name);
      return this;
    }

    /**
     * Sets the unit of writeback: a crash resolves each dirty OS page as a whole (old, new or
     * torn).
     *
     * @param osPageSize a power of two, at least 512
     * @return this builder
     */
    public Builder osPageSize(int osPageSize) {
      this.osPageSize = osPageSize;
      return this;
    }

    /**
     * Sets the largest size the file may reach; growing past it fails as on a full disk.
     *
     * @param capacity bytes, allocated up front
     * @return this builder
     */
    public Builder capacity(long capacity) {
      this.capacity = capacity;
      return this;
    }

    /**
     * Makes the storage read-only: maps are read-only and changes throw.
     *
     * @param readOnly true for read-only
     * @return this builder
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Sets the failures to inject.
     *
     * @param faults the plan
     * @return this builder
     */
    public Builder faults(FaultPlan faults) {
      this.faults = Objects.requireNonNull(faults);
      return this;
    }

    /**
     * Builds an empty storage.
     *
     * @return the storage
     */
    public SimulatedStorage build() {
      return new SimulatedStorage(name, osPageSize, capacity, readOnly, new Run(faults, null), null, null, null);
    }

    /**
     * Builds a storage holding an image, all of it durable and clean.
     *
     * @param image the file's bytes, at most the capacity
     * @return the storage
     */
    public SimulatedStorage buildFrom(byte[] image) {
      return new SimulatedStorage(name, osPageSize, capacity, readOnly, new Run(faults, null), image, null, null);
    }

    SimulatedStorage build(CallObserver observer) {
      return new SimulatedStorage(name, osPageSize, capacity, readOnly, new Run(faults, observer), null, null, null);
    }

    SimulatedStorage buildFrom(byte @Nullable [] image, CallObserver observer) {
      return new SimulatedStorage(name, osPageSize, capacity, readOnly, new Run(faults, observer), image, null, null);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Storage

  @Override
  public String describe() {
    return name;
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public synchronized boolean tryLockForWriting() {
    if (readOnly) {
      throw new IllegalStateException("a read-only storage takes no writer lock: " + name);
    }
    return !lockedElsewhere;
  }

  @Override
  public synchronized long size() {
    return size;
  }

  @Override
  public synchronized void extend(long newSize) throws IOException {
    requireWritable();
    intercepted(StorageCall.Kind.EXTEND, 0, newSize, call -> {
      if (run.faults.failGrow()) {
        throw new IOException(name + ": injected failure: no space left on device (extend to " + newSize + ")");
      }
      if (newSize > capacity) {
        run.spaceRefusals++;
        throw new IOException(name + ": no space left on device: " + newSize + " bytes exceed the capacity " + capacity);
      }
      // The new bytes are zero in all three images already: nothing past the size is ever stored.
      if (run.faults.loseExtension()) {
        run.lostExtensionSize = run.lostExtensionSize >= 0 ? run.lostExtensionSize : size;
      } else {
        run.lostExtensionSize = -1;
      }
      size = Math.max(size, newSize);
      run.largestSize = Math.max(run.largestSize, size);
      return null;
    });
  }

  /**
   * Shrinks the file; durable when it returns, as on a file system that journals the new length
   * (a crash before the call leaves the old length, one after it the new). The bytes cut are gone
   * from every image: growing again brings zeros back.
   */
  @Override
  public synchronized void truncate(long newSize) throws IOException {
    requireWritable();
    if (newSize < 0) {
      throw new IllegalArgumentException("cannot truncate " + name + " to " + newSize + " bytes");
    }
    intercepted(StorageCall.Kind.TRUNCATE, 0, newSize, call -> {
      if (newSize >= size) {
        return null;
      }
      // A bad sector cut off is no longer part of the file.
      long firstWhole = (newSize + osPageSize - 1) / osPageSize;
      for (Long p : new ArrayList<>(unreadable.tailSet(firstWhole))) {
        unreadable.remove(p);
        UnreadableMemory.restore(cache.asSlice(p * osPageSize, osPageSize));
      }
      // Nothing past the size is ever stored: extend relies on it.
      if (!unreadable.contains(newSize / osPageSize)) {
        cache.asSlice(newSize, size - newSize).fill((byte) 0);
      }
      java.util.Arrays.fill(baseline, (int) newSize, (int) size, (byte) 0);
      java.util.Arrays.fill(durable, (int) newSize, (int) size, (byte) 0);
      durableCopy = null;
      if (run.lostExtensionSize >= 0) {
        run.lostExtensionSize = Math.min(run.lostExtensionSize, newSize);
      }
      size = newSize;
      return null;
    });
  }

  @Override
  public synchronized void reserve(long offset, long length) throws IOException {
    requireWritable();
    requireWithinFile(offset, length);
    intercepted(StorageCall.Kind.RESERVE, offset, length, call -> {
      if (run.faults.failGrow()) {
        throw new IOException(name + ": injected failure: no space left on device (reserve " + length + " bytes)");
      }
      for (long p = offset / osPageSize; p * osPageSize < offset + length; p++) {
        // Whole blocks written through the file, not the mapping: the disk remaps a bad sector.
        if (unreadable.remove(p)) {
          UnreadableMemory.restore(cache.asSlice(p * osPageSize, osPageSize));
        }
      }
      cache.asSlice(offset, length).fill((byte) 0);
      java.util.Arrays.fill(baseline, (int) offset, (int) (offset + length), (byte) 0);
      java.util.Arrays.fill(durable, (int) offset, (int) (offset + length), (byte) 0);
      durableCopy = null;
      return null;
    });
  }

  @Override
  public synchronized MemorySegment map(long offset, long length) throws IOException {
    requireWithinFile(offset, length);
    return intercepted(StorageCall.Kind.MAP, offset, length, call -> {
      if (run.faults.failMap()) {
        throw new IOException(name + ": injected failure: cannot map [" + offset + ", " + (offset + length) + ")");
      }
      MemorySegment slice = cache.asSlice(offset, length);
      return readOnly ? slice.asReadOnly() : slice;
    });
  }

  @Override
  public synchronized void sync(long offset, long length) throws IOException {
    requireWritable();
    intercepted(StorageCall.Kind.SYNC, offset, length, call -> {
      long first = Math.max(0, offset) / osPageSize;
      long end = Math.min(offset + length, size);
      syncPages(first, end <= 0 ? first : (end + osPageSize - 1) / osPageSize, call);
      return null;
    });
  }

  @Override
  public synchronized void syncAll() throws IOException {
    requireWritable();
    intercepted(StorageCall.Kind.SYNC_ALL, 0, size, call -> {
      syncPages(0, pageCount(), call);
      return null;
    });
  }

  /**
   * Closes the storage: every mapped segment throws {@link IllegalStateException} from now on.
   * Nothing is synced; what the cache held stays available to {@link #restart} and {@link
   * #crash}. Closing twice does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (keepsCacheAtClose) {
      byte[] kept = new byte[(int) size];
      for (long p = 0; p < pageCount(); p++) {
        long start = p * osPageSize;
        int length = (int) Math.min(osPageSize, size - start);
        if (unreadable.contains(p)) {
          System.arraycopy(durable, (int) start, kept, (int) start, length);
        } else {
          MemorySegment.copy(cache, ValueLayout.JAVA_BYTE, start, kept, (int) start, length);
        }
      }
      cacheAtClose = kept;
    }
    for (long p : unreadable) {
      // Ordinary memory again before the arena frees it: the allocator may hand it out later.
      UnreadableMemory.restore(cache.asSlice(p * osPageSize, osPageSize));
    }
    arena.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Simulation

  /**
   * Simulates a power loss now: returns a new, clean storage holding what the disk would hold,
   * each dirty OS page resolved at random (old, new or torn) from the seed. This storage is
   * left as it was.
   *
   * @param seed decides each dirty page's fate
   * @return the post-crash storage, with this one's OS page size and capacity and no faults
   */
  public synchronized SimulatedStorage crash(long seed) {
    return fromCrashImage(crashImage(seed, CrashImage.ALL_NEW + 1)).withUnreadable(unreadable);
  }

  /**
   * Builds one post-crash image of the disk as it is now; see {@link CrashImage} for the
   * numbering of images.
   *
   * @param seed decides the random images
   * @param imageNumber {@link CrashImage#ALL_OLD}, {@link CrashImage#ALL_NEW}, or a larger number
   *     for a random mix
   * @return the image
   */
  public synchronized CrashImage crashImage(long seed, int imageNumber) {
    return CrashImage.build(snapshot(), imageNumber, seed, 0);
  }

  /**
   * Creates a clean storage holding a post-crash image, with this storage's OS page size and
   * capacity (or the image's length, if larger) and no faults.
   *
   * @param image the image
   * @return the storage
   */
  public SimulatedStorage fromCrashImage(CrashImage image) {
    byte[] bytes = image.bytes();
    return new SimulatedStorage(
        name + " (after crash)", osPageSize, Math.max(capacity, bytes.length), false,
        new Run(FaultPlan.none(), null), bytes, null, null);
  }

  /**
   * Simulates the process ending and starting again without a power loss: the page cache
   * survives, dirty pages stay dirty. Closes this storage if still open (its mappings die with
   * the process) and returns a new one over the same simulated file; the call numbering, the
   * fault plan and any crash explorer watching carry over.
   *
   * @return the storage the restarted process opens
   */
  public synchronized SimulatedStorage restart() {
    close();
    byte[] image = currentCacheAtClose();
    return new SimulatedStorage(
        name, osPageSize, capacity, readOnly, run, image,
        java.util.Arrays.copyOf(baseline, image.length), java.util.Arrays.copyOf(durable, image.length))
        .withUnreadable(unreadable);
  }

  /**
   * Simulates the machine restarting now, as after a power loss with nothing in flight: the page
   * cache is gone, every dirty OS page is lost, and the file holds what the disk holds. Closes
   * this storage if still open and returns a new one over the same simulated file; the call
   * numbering, the fault plan and any crash explorer watching carry over.
   *
   * <p>This is how a test reopens a file after a failed sync and sees only what is durable.
   * {@link #restart()} would not do: after a failed sync the cache keeps bytes that may never
   * have reached the disk while the kernel counts them as clean, so a process that reopens the
   * file with the cache still warm reads them, and no sync will ever write them.
   *
   * @return the storage the rebooted machine opens
   */
  public synchronized SimulatedStorage reboot() {
    close();
    byte[] image = java.util.Arrays.copyOf(durable, (int) durableSize());
    run.lostExtensionSize = -1;
    return new SimulatedStorage(name, osPageSize, capacity, readOnly, run, image, null, null).withUnreadable(unreadable);
  }

  /**
   * Simulates deleting the file and creating it again, empty: what a user does with a file whose
   * creation a crash interrupted. Closes this storage if still open; the call numbering, the fault
   * plan and any crash explorer watching carry over.
   *
   * @return the storage over the new, empty file
   */
  synchronized SimulatedStorage deleteFile() {
    close();
    run.lostExtensionSize = -1;
    return new SimulatedStorage(name, osPageSize, capacity, readOnly, run, new byte[0], null, null);
  }

  /**
   * Flips one bit of the durable image and of the cache, as when a disk returns a rotted sector
   * that the page cache then holds. The page stays clean: nothing will write it back.
   *
   * @param offset the byte, within the file
   * @param bit from 0 to 7
   */
  public synchronized void rotBit(long offset, int bit) {
    requireWithinFile(offset, 1);
    if (bit < 0 || bit > 7) {
      throw new IllegalArgumentException("bit " + bit + " is outside [0, 7]");
    }
    byte mask = (byte) (1 << bit);
    durable[(int) offset] ^= mask;
    durableCopy = null;
    baseline[(int) offset] ^= mask;
    if (unreadable.contains(offset / osPageSize)) {
      return;
    }
    byte cached = cache.get(ValueLayout.JAVA_BYTE, offset);
    cache.set(ValueLayout.JAVA_BYTE, offset, (byte) (cached ^ mask));
  }

  /**
   * Makes a range of the disk unreadable, as a latent sector error does: the page cache drops it,
   * and every later access to it through any mapping, read or write, raises {@link InternalError}
   * from a real {@code SIGBUS}, as on a real memory-mapped file (see FORMAT.md, "Recovery", for
   * what the pager does then). A store cannot repair it (the kernel must read the page before a
   * store into it completes); {@link #reserve}, which writes whole blocks, does. The range stays
   * unreadable after {@link #restart}, {@link #reboot} and {@link #crash}; a crash explorer's
   * images do not carry it.
   *
   * <p>Linux only (it maps an empty {@code memfd} over the range); see the README for the JVM flag
   * that keeps the JDK from warning about the native call.
   *
   * @param offset where the range starts, in bytes; a multiple of the OS page size and of 4096
   * @param length how many bytes; a multiple of the OS page size and of 4096
   * @throws UnsupportedOperationException when not on Linux
   */
  public synchronized void makeUnreadable(long offset, long length) {
    requireWithinFile(offset, length);
    int unit = Math.max(osPageSize, UnreadableMemory.MACHINE_PAGE);
    if (offset % unit != 0 || length % unit != 0 || length == 0) {
      throw new IllegalArgumentException(
          "range [" + offset + ", " + (offset + length) + ") is not whole pages of " + unit + " bytes");
    }
    if (closed) {
      throw new IllegalStateException("storage is closed: " + name);
    }
    java.util.TreeSet<Long> pages = new java.util.TreeSet<>();
    for (long p = offset / osPageSize; p < (offset + length) / osPageSize; p++) {
      pages.add(p);
    }
    makeUnreadable(pages);
  }

  /** Makes the given OS pages unreadable here; see {@link #makeUnreadable(long, long)}. */
  private void makeUnreadable(java.util.Set<Long> pages) {
    for (long p : pages) {
      if (unreadable.contains(p)) {
        continue;
      }
      long start = p * osPageSize;
      int length = (int) Math.min(osPageSize, size - start);
      // What the cache held is gone: the kernel believes the disk's content, which nobody can read.
      System.arraycopy(durable, (int) start, baseline, (int) start, length);
      UnreadableMemory.make(cache.asSlice(start, osPageSize));
      unreadable.add(p);
    }
  }

  private SimulatedStorage withUnreadable(java.util.Set<Long> pages) {
    if (!pages.isEmpty()) {
      makeUnreadable(pages);
    }
    return this;
  }

  /**
   * Returns the OS pages {@link #makeUnreadable} made unreadable.
   *
   * @return the page indexes, increasing
   */
  public synchronized long[] unreadablePages() {
    return unreadable.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * Makes {@link #tryLockForWriting()} report that another writer holds the file.
   *
   * @param held true to simulate a lock held elsewhere
   */
  public synchronized void simulateLockHeldElsewhere(boolean held) {
    this.lockedElsewhere = held;
  }

  /**
   * Returns the OS page size: the unit of writeback.
   *
   * @return bytes
   */
  public int osPageSize() {
    return osPageSize;
  }

  /**
   * Returns how many calls were intercepted so far in this run (restarts included).
   *
   * @return the count
   */
  public synchronized long callCount() {
    return run.nextCall;
  }

  /**
   * Returns how many faults the plan injected in this run (restarts included): a test can tell
   * whether the fault it planned happened where it meant it to.
   *
   * @return the count
   */
  public synchronized long faultsFired() {
    return run.faults.fired();
  }

  /**
   * How many growths this run (restarts included) refused because the file would have outgrown
   * the capacity: the simulated disk was full, which an injected growth failure is not.
   */
  synchronized long spaceRefusals() {
    return run.spaceRefusals;
  }

  /** The largest size the file reached in this run (restarts included). */
  synchronized long largestSize() {
    return Math.max(run.largestSize, size);
  }

  /** The capacity: growing past it fails as on a full disk. */
  long capacity() {
    return capacity;
  }

  /** The faults the plan lists that this run never reached; see {@link FaultPlan}. */
  synchronized List<String> unfiredFaults() {
    return run.faults.unfired();
  }

  /**
   * Returns the indexes of the OS pages that are dirty now: the cache differs from what the
   * kernel believes is on disk.
   *
   * @return the page indexes, increasing
   */
  public synchronized long[] dirtyPages() {
    List<Long> dirty = new ArrayList<>();
    for (long p = 0; p < pageCount(); p++) {
      if (isDirty(p)) {
        dirty.add(p);
      }
    }
    return dirty.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * Returns a copy of the durable image: what the disk holds now.
   *
   * @return the bytes, as long as the file
   */
  public synchronized byte[] durableImage() {
    return java.util.Arrays.copyOf(durable, (int) size);
  }

  /** Records what a crash now could leave; the cache must still be open. */
  synchronized Snapshot snapshot() {
    List<Long> dirty = new ArrayList<>();
    List<byte[]> content = new ArrayList<>();
    MemorySegment current = currentCache();
    for (long p = 0; p < pageCount(); p++) {
      if (isDirty(current, p)) {
        dirty.add(p);
        long start = p * osPageSize;
        content.add(current.asSlice(start, Math.min(osPageSize, size - start)).toArray(ValueLayout.JAVA_BYTE));
      }
    }
    long durableSize = durableSize();
    if (durableSize < size) {
      // Dirty pages past the durable length are lost with it; the last one is cut to it.
      for (int i = dirty.size() - 1; i >= 0; i--) {
        long start = dirty.get(i) * osPageSize;
        if (start >= durableSize) {
          dirty.remove(i);
          content.remove(i);
        } else if (start + content.get(i).length > durableSize) {
          content.set(i, java.util.Arrays.copyOf(content.get(i), (int) (durableSize - start)));
        }
      }
    }
    byte[] copy = durableCopy;
    if (copy == null || copy.length != durableSize) {
      copy = java.util.Arrays.copyOf(durable, (int) durableSize);
      durableCopy = copy;
    }
    return new Snapshot(
        osPageSize,
        copy,
        dirty.stream().mapToLong(Long::longValue).toArray(),
        content.toArray(new byte[0][]),
        run.faults.damagesNeighbours());
  }

  void observe(@Nullable CallObserver observer) {
    run.observer = observer;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** A storage operation's body, run between the crash points before and after it. */
  @FunctionalInterface
  private interface Body<T extends @Nullable Object> {
    T run(StorageCall call) throws IOException;
  }

  /**
   * Runs one storage call: records the crash point before it, runs it, and records the one after
   * it (with the failure, if any), so that every call is intercepted the same way.
   */
  private <T extends @Nullable Object> T intercepted(StorageCall.Kind kind, long offset, long length, Body<T> body) throws IOException {
    StorageCall call = begin(kind, offset, length);
    Throwable failure = null;
    try {
      return body.run(call);
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      end(call, failure);
    }
  }

  private StorageCall begin(StorageCall.Kind kind, long offset, long length) {
    StorageCall call = new StorageCall(run.nextCall++, kind, offset, length);
    if (!readOnly && !closed && run.faults.writeBack()) {
      writeBackAtRandom(run.faults.random());
    }
    CallObserver observer = run.observer;
    if (observer != null) {
      observer.before(this, call);
    }
    return call;
  }

  private void end(StorageCall call, @Nullable Throwable failure) {
    CallObserver observer = run.observer;
    if (observer != null) {
      observer.after(this, call, failure);
    }
  }

  /** The kernel writing back dirty pages of its own accord, in no particular order. */
  private void writeBackAtRandom(SplittableRandom random) {
    for (long p = 0; p < pageCount(); p++) {
      if (isDirty(p) && random.nextBoolean()) {
        copyCacheTo(p, durable);
        copyCacheTo(p, baseline);
      }
    }
  }

  private void syncPages(long first, long end, StorageCall call) throws IOException {
    if (closed) {
      throw new IllegalStateException("storage is closed: " + name);
    }
    if (run.faults.failSync()) {
      // Linux: each dirty page may or may not have reached the disk, and all are clean now.
      SplittableRandom random = run.faults.random();
      for (long p = first; p < end; p++) {
        if (isDirty(p)) {
          writeFailed(p, random);
          copyCacheTo(p, baseline);
        }
      }
      throw new IOException(name + ": injected failure: input/output error in " + call);
    }
    long lost = -1;
    long misdirected = -1;
    long landedOn = -1;
    if (run.faults.loseWrite() || run.faults.misdirectWrite()) {
      List<Long> dirty = new ArrayList<>();
      for (long p = first; p < end; p++) {
        if (isDirty(p)) {
          dirty.add(p);
        }
      }
      SplittableRandom random = run.faults.random();
      if (!dirty.isEmpty() && run.faults.loseWrite()) {
        lost = dirty.get(random.nextInt(dirty.size()));
        run.faults.lostWrite();
      }
      if (!dirty.isEmpty() && run.faults.misdirectWrite() && pageCount() > 1) {
        misdirected = dirty.get(random.nextInt(dirty.size()));
        landedOn = (misdirected + 1 + random.nextLong(pageCount() - 1)) % pageCount();
        run.faults.misdirectedWrite();
      }
    }
    for (long p = first; p < end; p++) {
      if (isDirty(p)) {
        if (p != lost && p != misdirected) {
          copyCacheTo(p, durable);
        }
        // A lost or misdirected write too: the device said it wrote the page, so the kernel
        // counts it clean.
        copyCacheTo(p, baseline);
      }
    }
    if (landedOn >= 0) {
      long from = misdirected * osPageSize;
      long to = landedOn * osPageSize;
      int length = (int) Math.min(osPageSize, Math.min(size - from, size - to));
      MemorySegment.copy(cache, ValueLayout.JAVA_BYTE, from, durable, (int) to, length);
      durableCopy = null;
    }
  }

  private void writeFailed(long page, SplittableRandom random) {
    int choice = random.nextInt(3);
    if (choice == 1) {
      copyCacheTo(page, durable);
    } else if (choice == 2) {
      long start = page * osPageSize;
      long end = Math.min(size, start + osPageSize);
      for (long s = start; s < end; s += CrashImage.SECTOR_SIZE) {
        if (random.nextBoolean()) {
          MemorySegment.copy(cache, ValueLayout.JAVA_BYTE, s, durable, (int) s, (int) Math.min(CrashImage.SECTOR_SIZE, end - s));
          durableCopy = null;
        }
      }
    }
  }

  private void copyCacheTo(long page, byte[] target) {
    if (target == durable) {
      durableCopy = null;
    }
    long start = page * osPageSize;
    int length = (int) Math.min(osPageSize, size - start);
    MemorySegment.copy(cache, ValueLayout.JAVA_BYTE, start, target, (int) start, length);
  }

  private boolean isDirty(long page) {
    return isDirty(currentCache(), page);
  }

  private boolean isDirty(MemorySegment current, long page) {
    if (unreadable.contains(page)) {
      return false; // nothing cached, and no store into it completes
    }
    long start = page * osPageSize;
    long end = Math.min(size, start + osPageSize);
    return MemorySegment.mismatch(current, start, end, baselineView, start, end) >= 0;
  }

  private MemorySegment currentCache() {
    return closed ? MemorySegment.ofArray(currentCacheAtClose()) : cache;
  }

  private byte[] currentCacheAtClose() {
    byte[] kept = cacheAtClose;
    if (kept == null) {
      throw new IllegalStateException(name + " is closed and, built for a crash check, kept no copy of its cache");
    }
    return kept;
  }

  /** The length a power loss leaves: the size, unless an extension was lost since. */
  private long durableSize() {
    return run.lostExtensionSize >= 0 ? Math.min(run.lostExtensionSize, size) : size;
  }

  private long pageCount() {
    return (size + osPageSize - 1) / osPageSize;
  }

  private void requireWritable() {
    if (readOnly) {
      throw new IllegalStateException("storage is read-only: " + name);
    }
  }

  private void requireWithinFile(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IllegalArgumentException(
          "range [" + offset + ", " + (offset + length) + ") is outside " + name + " of " + size + " bytes");
    }
  }

  private static long roundUp(long value, long unit) {
    return (value + unit - 1) / unit * unit;
  }

  @Override
  public String toString() {
    return "SimulatedStorage[" + name + ", size=" + size + ", osPageSize=" + osPageSize + "]";
  }
}
