package io.github.pager.core.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
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
 * <p>Layout: bytes {@code [0, 1)} are the writer lock, taken exclusive. The file's content and
 * every other byte range are reserved for a reader table; today the file is empty.
 *
 * <p>Every lock attempt and every query runs under this class's monitor, so a query cannot make a
 * writer in the same JVM fail by overlapping it, and a channel is never closed while a lock taken
 * through it is held. Only the non-blocking {@code tryLock} and {@code release} touch a shared
 * channel: neither is interruptible, so a thread that is interrupted cannot close the channel (a
 * blocking {@code lock()} would, and every lock of the JVM on the file would go with it).
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

  /** Locks held through {@link #channel}; guarded by {@code SharedLockFile.class}. */
  private int holders;

  private SharedLockFile(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
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
    Path path = of(dataFile);
    SharedLockFile shared = OPEN.get(path);
    boolean created = false;
    if (shared == null) {
      FileChannel channel;
      try {
        channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        created = true;
      } catch (FileAlreadyExistsException exists) {
        channel = openForLocking(path, dataFile);
      } catch (IOException e) {
        throw cannotOpen(path, dataFile, e);
      }
      shared = new SharedLockFile(path, channel);
      OPEN.put(path, shared);
    }
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
    return new WriterLock(shared, lock, created);
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
    return new IOException(
        "cannot create or open the lock file " + path + " that guards the writer of " + dataFile
            + " (the directory and the lock file must be writable): " + cause,
        cause);
  }

  /** Called under the monitor: closes the channel when no lock is held through it. */
  private void closeIfUnheld() throws IOException {
    if (holders == 0) {
      OPEN.remove(path);
      channel.close();
    }
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
      held.file.holders--;
      held.file.closeIfUnheld();
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
