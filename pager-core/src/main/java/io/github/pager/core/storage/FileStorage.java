package io.github.pager.core.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Storage} over a real file: a {@link FileChannel}, memory mapped region by region
 * through one shared {@link Arena}.
 *
 * <p>Every region stays mapped until {@link #close()}, so a segment handed out before the file
 * grew stays valid after it. Closing the arena makes every later access throw {@link
 * IllegalStateException} instead of touching unmapped memory.
 *
 * <p>Reservation writes zeros in small pieces rather than one large write: the kernel keeps pages
 * that enter its cache in small pieces as small folios, which keeps the cost of syncing one dirty
 * page at one page (a large folio would be written back whole).
 *
 * <p>The writer lock does not live on this file's descriptors, which other code in the same
 * process may open and close at will: it lives on the file's lock file, through {@link
 * SharedLockFile}. This storage's own descriptor carries no lock. So does the reader table, in the
 * same lock file ({@link #readerTable()}).
 */
public final class FileStorage implements Storage {

  /** Size of the zero buffer used to reserve blocks; small on purpose, see the class comment. */
  private static final int RESERVE_CHUNK = 4096;

  private final Path path;
  private final FileChannel channel;
  private final boolean readOnly;
  private final boolean createdFile;
  private final Arena arena;
  private final Object regionsLock = new Object();
  private final List<MappedRange> regions = new ArrayList<>();
  private SharedLockFile.@Nullable WriterLock writerLock;

  /** The lock file's reader table, opened on first use; guarded by {@code this}. */
  private @Nullable ReaderTable readerTable;

  /** The lock file could not be opened for a read-only storage's table; guarded by {@code this}. */
  private boolean readerTableUnavailable;

  /** The lock file, when taking the writer lock created it; kept after close for {@link #deleteCreated}. */
  private @Nullable Path createdLockFile;

  /**
   * The file's length as this writer last saw or set it, or -1 before the first {@link #write}:
   * the length a positional write is checked against. Only a writer changes the length, so it
   * need not be asked of the file each time. Asking costs more than the system call: a {@code
   * fstat} marks the file's timestamps as seen, so on a file system with fine-grained timestamps
   * (ext4 on Linux 6.13 and later) the next write gives the inode a new time, and the next sync
   * writes the inode's block as well, a second device write per sync (BENCHMARKS.md, "Where a
   * single commit's time goes").
   */
  private volatile long writerSize = -1;

  private record MappedRange(long offset, MemorySegment segment) {
    long end() {
      return offset + segment.byteSize();
    }
  }

  // The arena lives as long as this storage, which is Closeable and closes it in close().
  @SuppressWarnings("MustBeClosedChecker")
  private FileStorage(Path path, FileChannel channel, boolean readOnly, boolean createdFile) {
    this.path = path;
    this.channel = channel;
    this.readOnly = readOnly;
    this.createdFile = createdFile;
    this.arena = Arena.ofShared();
  }

  /**
   * Opens an existing file.
   *
   * @param path the file
   * @param readOnly true to refuse every change
   * @return the storage; the caller owns it and must close it
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws IOException when the file cannot be opened
   */
  public static FileStorage open(Path path, boolean readOnly) throws IOException {
    FileChannel channel =
        readOnly
            ? FileChannel.open(path, StandardOpenOption.READ)
            : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new FileStorage(path, channel, readOnly, false);
  }

  /**
   * Creates a new, empty file for writing; refuses to touch a file that already exists.
   *
   * @param path the file to create
   * @return the storage; the caller owns it and must close it
   * @throws java.nio.file.FileAlreadyExistsException when the file exists
   * @throws IOException when the file cannot be created
   */
  public static FileStorage createNew(Path path) throws IOException {
    FileChannel channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    return new FileStorage(path, channel, false, true);
  }

  /**
   * Returns the lock file that guards a page file's writer: {@code <name>-lock} beside the page
   * file's real path (symbolic links resolved). Writers create it and never delete it; it must
   * not be deleted while a writer may be running, and must be deleted with the page file by
   * whoever deletes that. See FORMAT.md, "The lock file".
   *
   * @param dataFile the page file; it must exist
   * @return the lock file's path, whether or not it exists yet
   * @throws java.nio.file.NoSuchFileException when the page file does not exist
   * @throws IOException when the page file's real path cannot be resolved
   */
  public static Path lockFileOf(Path dataFile) throws IOException {
    return SharedLockFile.of(dataFile);
  }

  /**
   * Tells whether a writer, in this process or another, holds a page file open for writing. Asks
   * the lock file without holding or creating anything: a live writer in this process keeps its
   * lock. A missing lock file means no writer. The answer may be stale as soon as it returns.
   *
   * @param dataFile the page file
   * @return true when a writer holds it
   * @throws java.nio.file.NoSuchFileException when the page file does not exist
   * @throws IOException when the lock file exists but cannot be read
   */
  public static boolean isLockedForWriting(Path dataFile) throws IOException {
    return SharedLockFile.isWriterLocked(dataFile);
  }

  @Override
  public String describe() {
    return path.toString();
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public boolean tryLockForWriting() throws IOException {
    if (readOnly) {
      throw new IllegalStateException("a read-only storage takes no writer lock: " + path);
    }
    if (writerLock != null) {
      return true;
    }
    SharedLockFile.WriterLock taken = SharedLockFile.tryLockWriter(path);
    if (taken == null) {
      return false;
    }
    writerLock = taken;
    if (taken.createdLockFile()) {
      createdLockFile = taken.path();
    }
    return true;
  }

  /**
   * Returns the reader table in the page file's lock file, opening it on first use; a read-only
   * storage creates the lock file when absent (see FORMAT.md, "The lock file").
   *
   * @return the table; null for a read-only storage whose lock file cannot be created or opened
   *     for writing (a read-only directory or file system, permissions)
   * @throws LockFileUnavailableException for a writable storage whose lock file cannot be opened
   * @throws LockFileFormatException when the lock file holds a table this library does not know
   * @throws IOException when the lock file cannot be grown or mapped
   */
  @Override
  public synchronized @Nullable ReaderTable readerTable() throws IOException {
    if (!channel.isOpen()) {
      throw new IllegalStateException("storage is closed: " + path);
    }
    if (readerTable == null && !readerTableUnavailable) {
      try {
        readerTable = SharedLockFile.openReaderTable(path);
      } catch (LockFileUnavailableException e) {
        if (!readOnly) {
          throw e;
        }
        readerTableUnavailable = true;
      }
    }
    return readerTable;
  }

  /**
   * Undoes a create that failed: deletes the file {@link #createNew} made, and its lock file when
   * this storage's writer lock created that. Call after {@link #close()}.
   *
   * @throws IllegalStateException when this storage did not create its file, or is still open
   * @throws IOException when a file cannot be deleted
   */
  public void deleteCreated() throws IOException {
    if (!createdFile || channel.isOpen()) {
      throw new IllegalStateException("only a closed storage that created its file may delete it: " + path);
    }
    // The data file first: while it exists, its lock file is what keeps a second writer out.
    Files.deleteIfExists(path);
    if (createdLockFile != null) {
      SharedLockFile.deleteIfUnheld(createdLockFile);
    }
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public void extend(long newSize) throws IOException {
    requireWritable();
    if (newSize <= channel.size()) {
      return;
    }
    // Writing the last byte grows the file with a hole before it; force(true) makes the new
    // length itself durable, which fdatasync alone does not promise for every file system.
    writeFully(ByteBuffer.allocate(1), newSize - 1);
    channel.force(true);
    writerSize = newSize;
  }

  @Override
  public void truncate(long newSize) throws IOException {
    requireWritable();
    if (newSize < 0) {
      throw new IllegalArgumentException("cannot truncate " + path + " to " + newSize + " bytes");
    }
    if (newSize >= channel.size()) {
      return;
    }
    // The mappings past the new end stay until close (one arena holds them all); the caller
    // touches none of them again. force(true): the new length is metadata, as for extend.
    writerSize = newSize;
    channel.truncate(newSize);
    channel.force(true);
  }

  @Override
  public void reserve(long offset, long length) throws IOException {
    requireWritable();
    requireWithinFile(offset, length);
    ByteBuffer zeros = ByteBuffer.allocate(RESERVE_CHUNK);
    for (long done = 0; done < length; ) {
      int piece = (int) Math.min(RESERVE_CHUNK, length - done);
      zeros.clear().limit(piece);
      writeFully(zeros, offset + done);
      done += piece;
    }
    channel.force(true);
  }

  @Override
  public MemorySegment map(long offset, long length) throws IOException {
    requireWithinFile(offset, length);
    FileChannel.MapMode mode = readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE;
    MemorySegment segment = channel.map(mode, offset, length, arena);
    synchronized (regionsLock) {
      regions.add(new MappedRange(offset, segment));
    }
    return segment;
  }

  @Override
  public void write(long offset, MemorySegment source) throws IOException {
    requireWritable();
    long size = writerSize;
    if (size < 0) {
      size = channel.size();
      writerSize = size;
    }
    if (offset < 0 || offset + source.byteSize() > size) {
      throw new IllegalArgumentException(
          "range [" + offset + ", " + (offset + source.byteSize()) + ") is outside " + path + " of " + size + " bytes");
    }
    // A native segment's buffer goes to the kernel as it is; a heap one is copied once by the
    // channel, as any heap buffer.
    writeFully(source.asByteBuffer(), offset);
  }

  @Override
  public void sync(long offset, long length) throws IOException {
    requireWritable();
    List<MappedRange> mappings;
    synchronized (regionsLock) {
      mappings = new ArrayList<>(regions);
    }
    // Every mapping of a range shares the same page cache, so each byte needs forcing once, and
    // by as few calls as possible: each force is an msync, which on ext4 costs a device cache
    // flush of its own. Greedily take, at each point, the mapping that reaches furthest.
    long end = offset + length;
    long next = offset;
    while (next < end) {
      MappedRange best = null;
      for (MappedRange region : mappings) {
        if (region.offset() <= next && region.end() > next && (best == null || region.end() > best.end())) {
          best = region;
        }
      }
      if (best == null) {
        break; // a gap no mapping covers
      }
      long to = Math.min(end, best.end());
      best.segment().asSlice(next - best.offset(), to - next).force();
      next = to;
    }
    if (next < end) {
      // Part of the range is not mapped (it was written through the channel): sync the file.
      channel.force(false);
    }
  }

  @Override
  public void syncAll() throws IOException {
    requireWritable();
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    try {
      arena.close();
    } finally {
      try {
        channel.close();
      } finally {
        try {
          closeReaderTable();
        } finally {
          // Last: no byte of this storage reaches the file once another writer may hold it.
          if (writerLock != null) {
            writerLock.close();
          }
        }
      }
    }
  }

  private synchronized void closeReaderTable() throws IOException {
    ReaderTable table = readerTable;
    readerTable = null;
    if (table != null) {
      table.close();
    }
  }

  private void writeFully(ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
  }

  private void requireWritable() {
    if (readOnly) {
      throw new IllegalStateException("storage is read-only: " + path);
    }
  }

  private void requireWithinFile(long offset, long length) throws IOException {
    if (offset < 0 || length < 0 || offset + length > channel.size()) {
      throw new IllegalArgumentException(
          "range [" + offset + ", " + (offset + length) + ") is outside " + path
              + " of " + channel.size() + " bytes");
    }
  }
}
