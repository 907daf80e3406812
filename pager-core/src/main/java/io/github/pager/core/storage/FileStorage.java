package io.github.pager.core.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
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
 */
public final class FileStorage implements Storage {

  /** Size of the zero buffer used to reserve blocks; small on purpose, see the class comment. */
  private static final int RESERVE_CHUNK = 4096;

  private final Path path;
  private final FileChannel channel;
  private final boolean readOnly;
  private final Arena arena;
  private final Object regionsLock = new Object();
  private final List<MappedRange> regions = new ArrayList<>();
  private @Nullable FileLock lock;

  private record MappedRange(long offset, MemorySegment segment) {
    long end() {
      return offset + segment.byteSize();
    }
  }

  // The arena lives as long as this storage, which is Closeable and closes it in close().
  @SuppressWarnings("MustBeClosedChecker")
  private FileStorage(Path path, FileChannel channel, boolean readOnly) {
    this.path = path;
    this.channel = channel;
    this.readOnly = readOnly;
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
    return new FileStorage(path, channel, readOnly);
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
    return new FileStorage(path, channel, false);
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
    try {
      lock = channel.tryLock();
      return lock != null;
    } catch (OverlappingFileLockException alreadyHeldInThisJvm) {
      return false;
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
        if (lock != null && lock.isValid()) {
          lock.release();
        }
      } finally {
        channel.close();
      }
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
