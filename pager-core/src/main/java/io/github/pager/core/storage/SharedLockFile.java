package io.github.pager.core.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A page file's lock file, opened at most once per JVM and shared by every lock this JVM takes on
 * it.
 *
 * <p>The writer lock cannot live on the data file: {@link FileChannel#tryLock} takes a POSIX
 * record lock, and Linux drops every such lock a process holds on a file the moment that process
 * closes <em>any</em> descriptor of the file. Read-only pagers, inspections, a refused second
 * writer, or a plain {@code Files.readAllBytes} in the writer's own JVM all open and close the data
 * file, and each one used to hand the lock away unnoticed. The lock therefore lives on a file that
 * nothing else opens: {@code <data file name>-lock} beside the data file (FORMAT.md, "The lock
 * file"). Within the JVM the same trap remains for the lock file itself, so this class keeps one
 * {@link FileChannel} per lock file, counts its holders, and closes it only when the last one is
 * gone; no other class in the library opens a lock file.
 *
 * <p>Layout: bytes {@code [0, 1)} are the writer lock, taken exclusive; the file's first 4096
 * bytes hold the reader table, whose layout and protocol belong to {@link ReaderTable}. This
 * class gives the table its mapping and its slot locks, through the same channel, so that no lock
 * of the table is ever lost to a close either.
 *
 * <p>Every lock attempt and every query runs under this class's monitor, so a query cannot make a
 * writer in the same JVM fail by overlapping it, and a channel is never closed while a lock taken
 * through it is held (every writer lock, reader table and reader slot counts as a holder). Once a
 * lock may have been taken through a channel, only the non-blocking {@code tryLock} and {@code
 * release} touch it: neither is interruptible, so a thread that is interrupted cannot close the
 * channel (a blocking {@code lock()}, a read, a write, {@code size()} or {@code map} would, and
 * every lock of the JVM on the file would go with it). The reader table is therefore grown and
 * mapped as the channel is opened, before any lock is taken through it.
 */
final class SharedLockFile {
  /** Appended to the data file's name to name its lock file. */
  static final String SUFFIX = "-lock";

  /** The writer lock's byte range: exclusive {@code [0, 1)}. */
  private static final long WRITER_POSITION = 0;

  private static final long WRITER_LENGTH = 1;

  /** The lock files this JVM has open, by path; guarded by {@code SharedLockFile.class}. */
  private static final Map<Path, SharedLockFile> OPEN = new HashMap<>();

  private final Path path;
  private final FileChannel channel;

  /**
   * Writer locks, reader tables and reader slots that use {@link #channel}; guarded by {@code
   * SharedLockFile.class}.
   */
  private int holders;

  /** Owns {@link #table}; closed with the channel. */
  private final Arena tableArena;

  /** The reader table's mapping: the file's first {@link ReaderTable#LOCK_TABLE_BYTES} bytes. */
  private final MemorySegment table;

  private SharedLockFile(Path path, FileChannel channel, Arena tableArena, MemorySegment table) {
    this.path = path;
    this.channel = channel;
    this.tableArena = tableArena;
    this.table = table;
  }

  /**
   * Returns the lock file of a data file: beside the data file's real path (symbolic links
   * resolved), so a file opened through a symbolic link meets the same lock as by its own name.
   *
   * @param dataFile the data file; it must exist
   * @return the lock file's path, whether or not it exists yet
   * @throws NoSuchFileException when the data file does not exist
   * @throws IOException when the real path cannot be resolved
   */
  static Path of(Path dataFile) throws IOException {
    Path real = dataFile.toRealPath();
    Path name = real.getFileName();
    if (name == null) {
      throw new IOException(dataFile + " is not a file: it has no name to derive a lock file from");
    }
    return real.resolveSibling(name + SUFFIX);
  }

  /**
   * Takes the exclusive writer lock of a data file, creating its lock file when absent.
   *
   * @param dataFile the data file
   * @return the held lock, or null when another writer, in this JVM or another process, holds it
   * @throws IOException when the lock file cannot be created or opened for writing; the message
   *     names it
   */
  static synchronized @Nullable WriterLock tryLockWriter(Path dataFile) throws IOException {
    Opening opening = openShared(dataFile);
    SharedLockFile shared = opening.file();
    FileLock lock = null;
    try {
      lock = shared.channel.tryLock(WRITER_POSITION, WRITER_LENGTH, false);
    } catch (OverlappingFileLockException heldInThisJvm) {
      // Another pager of this JVM is the writer.
    } finally {
      if (lock == null) {
        shared.closeIfUnheld();
      }
    }
    if (lock == null) {
      return null;
    }
    shared.holders++;
    return new WriterLock(shared, lock, opening.created());
  }

  /**
   * Opens the reader table of a data file's lock file, creating the lock file when absent, and
   * holds the file open until the table is closed.
   *
   * @param dataFile the data file
   * @return the table
   * @throws LockFileUnavailableException when the lock file cannot be created or opened for
   *     writing (a read-only directory, permissions)
   * @throws LockFileFormatException when the lock file holds a table this library does not know
   * @throws IOException when the lock file cannot be grown or mapped
   */
  static synchronized ReaderTable openReaderTable(Path dataFile) throws IOException {
    SharedLockFile shared = openShared(dataFile).file();
    shared.holders++;
    try {
      return new ReaderTable(shared, shared.table);
    } catch (IOException | RuntimeException e) {
      shared.releaseHolder();
      throw e;
    }
  }

  /** What {@link #openShared} found: this JVM's channel, and whether opening created the file. */
  private record Opening(SharedLockFile file, boolean created) {}

  /**
   * Returns this JVM's channel of a data file's lock file, opening it (and creating the file when
   * absent) if no lock of this JVM uses it yet. Called under the monitor; the caller either takes
   * a holder or calls {@link #closeIfUnheld}.
   */
  private static Opening openShared(Path dataFile) throws IOException {
    Path path = of(dataFile);
    SharedLockFile shared = OPEN.get(path);
    if (shared != null) {
      return new Opening(shared, false);
    }
    FileChannel channel;
    boolean created = false;
    try {
      channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
      created = true;
    } catch (FileAlreadyExistsException exists) {
      channel = openForLocking(path, dataFile);
    } catch (IOException e) {
      throw cannotOpen(path, dataFile, e);
    }
    shared = mapTable(path, channel);
    OPEN.put(path, shared);
    return new Opening(shared, created);
  }

  /**
   * Tells whether a writer, in this JVM or another process, holds a data file's writer lock. Takes
   * and at once releases a shared lock on the writer's byte, creates nothing, and leaves every lock
   * this JVM holds in place. A missing lock file means no writer.
   *
   * @param dataFile the data file
   * @return true when a writer holds the file
   * @throws NoSuchFileException when the data file does not exist
   * @throws IOException when the lock file exists but cannot be read
   */
  static synchronized boolean isWriterLocked(Path dataFile) throws IOException {
    Path path = of(dataFile);
    SharedLockFile shared = OPEN.get(path);
    if (shared != null) {
      return !canLockShared(shared.channel);
    }
    // No lock of this JVM lives on the file (each goes through OPEN), so a channel of our own
    // closes nothing that matters; the monitor keeps a writer from arriving meanwhile.
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException noLockFile) {
      return false;
    } catch (IOException e) {
      throw new IOException(
          "cannot read the lock file " + path + " to tell whether a writer holds " + dataFile + ": " + e, e);
    }
    try (channel) {
      return !canLockShared(channel);
    }
  }

  /**
   * Deletes the lock file of a data file, unless a lock of this JVM lives on it. Only for undoing
   * a create that failed: a lock file that a writer of another process has open must stay.
   *
   * @param path the lock file
   * @throws IOException when it cannot be deleted
   */
  static synchronized void deleteIfUnheld(Path path) throws IOException {
    if (!OPEN.containsKey(path)) {
      Files.deleteIfExists(path);
    }
  }

  /** Returns how many lock files this JVM holds open; for tests. */
  static synchronized int openCount() {
    return OPEN.size();
  }

  private static boolean canLockShared(FileChannel channel) throws IOException {
    try (FileLock probe = channel.tryLock(WRITER_POSITION, WRITER_LENGTH, true)) {
      return probe != null;
    } catch (OverlappingFileLockException heldInThisJvm) {
      return false;
    }
  }

  private static FileChannel openForLocking(Path path, Path dataFile) throws IOException {
    try {
      return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw cannotOpen(path, dataFile, e);
    }
  }

  private static IOException cannotOpen(Path path, Path dataFile, IOException cause) {
    if (cause instanceof FileSystemException) {
      // Permissions, a read-only file system, a directory in its place: a read-only pager may go
      // on without a reader table; a writer may not go on at all.
      return new LockFileUnavailableException(
          "cannot create or open the lock file " + path + " that guards the writer of " + dataFile
              + " and holds its reader table (the directory and the lock file must be writable): " + cause,
          cause);
    }
    return new IOException(
        "cannot create or open the lock file " + path + " that guards the writer of " + dataFile
            + " (the directory and the lock file must be writable): " + cause,
        cause);
  }

  /** Called under the monitor: closes the channel when no lock is held through it. */
  private void closeIfUnheld() throws IOException {
    if (holders == 0) {
      OPEN.remove(path);
      try {
        tableArena.close();
      } finally {
        channel.close();
      }
    }
  }

  /** Called under the monitor: one holder less; the channel closes when it was the last one. */
  private void releaseHolder() throws IOException {
    holders--;
    closeIfUnheld();
  }

  /**
   * Called under the monitor, on a channel just opened, through which no lock has been taken yet:
   * grows the file to the reader table's length when it is shorter, and maps the table. Both are
   * interruptible, which is why they happen here (see the class comment); the channel is closed
   * when they fail.
   *
   * <p>The file is grown by writing its table's last byte, never by truncation: a truncation to a
   * length another process has meanwhile exceeded would cut its bytes off, while writing a byte
   * that is reserved and zero in every table changes nothing whoever wrote first.
   */
  @SuppressWarnings("MustBeClosedChecker") // the arena lives as long as the channel; closeIfUnheld closes it
  private static SharedLockFile mapTable(Path path, FileChannel channel) throws IOException {
    Arena arena = Arena.ofShared();
    try {
      if (channel.size() < ReaderTable.LOCK_TABLE_BYTES) {
        ByteBuffer zero = ByteBuffer.allocate(1);
        while (zero.hasRemaining()) {
          channel.write(zero, ReaderTable.LOCK_TABLE_BYTES - 1);
        }
      }
      MemorySegment table = channel.map(FileChannel.MapMode.READ_WRITE, 0, ReaderTable.LOCK_TABLE_BYTES, arena);
      return new SharedLockFile(path, channel, arena, table);
    } catch (IOException | RuntimeException e) {
      try {
        arena.close();
        channel.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw new IOException("cannot prepare the reader table in the lock file " + path + ": " + e, e);
    }
  }

  /**
   * Tries a lock on a byte range of this lock file, without waiting.
   *
   * @param position where the range starts
   * @param length how many bytes
   * @param shared true for a shared lock, false for an exclusive one
   * @return the lock, or null when a conflicting lock is held, by another process or by this JVM
   * @throws IOException when the lock cannot be attempted
   */
  @Nullable FileLock tryLock(long position, long length, boolean shared) throws IOException {
    synchronized (SharedLockFile.class) {
      try {
        return channel.tryLock(position, length, shared);
      } catch (OverlappingFileLockException heldInThisJvm) {
        return null;
      }
    }
  }

  /**
   * Takes a lock as {@link #tryLock} does, and counts it as a holder, so that the channel stays
   * open while it is held; give it back through {@link #releaseHeld}.
   */
  @Nullable FileLock tryLockAndHold(long position, long length) throws IOException {
    synchronized (SharedLockFile.class) {
      FileLock lock = tryLock(position, length, false);
      if (lock != null) {
        holders++;
      }
      return lock;
    }
  }

  /** Releases a lock taken by {@link #tryLock}. */
  void release(FileLock lock) throws IOException {
    synchronized (SharedLockFile.class) {
      if (lock.isValid()) {
        lock.release();
      }
    }
  }

  /** Releases a lock taken by {@link #tryLockAndHold} and its holder. */
  void releaseHeld(FileLock lock) throws IOException {
    synchronized (SharedLockFile.class) {
      try {
        release(lock);
      } finally {
        releaseHolder();
      }
    }
  }

  /** Gives back the holder a reader table took at {@link #openReaderTable}. */
  void releaseTable() throws IOException {
    synchronized (SharedLockFile.class) {
      releaseHolder();
    }
  }

  /** The lock file's path. */
  Path path() {
    return path;
  }

  /** Releases a holder's lock, once; the channel closes when it was the last one. */
  private static synchronized void release(WriterLock held) throws IOException {
    if (held.released) {
      return;
    }
    held.released = true;
    try {
      if (held.lock.isValid()) {
        held.lock.release();
      }
    } finally {
      held.file.releaseHolder();
    }
  }

  /** The writer lock of one data file, held until closed. */
  static final class WriterLock implements AutoCloseable {
    private final SharedLockFile file;
    private final FileLock lock;
    private final boolean createdLockFile;

    /** Guarded by {@code SharedLockFile.class}. */
    private boolean released;

    private WriterLock(SharedLockFile file, FileLock lock, boolean createdLockFile) {
      this.file = file;
      this.lock = lock;
      this.createdLockFile = createdLockFile;
    }

    /**
     * Returns the lock file.
     *
     * @return its path
     */
    Path path() {
      return file.path;
    }

    /**
     * Tells whether taking this lock created the lock file.
     *
     * @return true when it did not exist before
     */
    boolean createdLockFile() {
      return createdLockFile;
    }

    /** Releases the lock; the lock file's channel closes when no other lock of this JVM uses it. */
    @Override
    public void close() throws IOException {
      release(this);
    }
  }
}
