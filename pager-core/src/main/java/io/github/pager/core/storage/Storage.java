package io.github.pager.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * The one door through which a pager touches its file: size, extend, reserve, map, sync, lock, and
 * the reader table.
 *
 * <p>A pager never opens a file channel or maps memory itself; it asks a {@code Storage}. This is
 * what lets a test kit substitute an in-memory storage that simulates power loss, failing syncs, a
 * full disk or a failed mapping, without the pager's logic knowing the difference.
 *
 * <p>The contract mirrors what a memory-mapped file on Linux does:
 *
 * <ul>
 *   <li>Bytes stored into a segment returned by {@link #map} land in the page cache at once and are
 *       visible to every other mapping of the same range; they are <em>not</em> durable.
 *   <li>{@link #sync} makes a range durable. Before it returns, the OS may already have written
 *       back any dirty page, in any order; a crash may therefore persist any subset of the dirty
 *       pages, each wholly old, wholly new or torn at sector granularity.
 *   <li>{@link #extend} and {@link #reserve} are durable when they return.
 * </ul>
 *
 * <p>Implementations are used by one pager at a time; {@link #map} and {@link #sync} may be called
 * from several threads but never concurrently with {@link #close}.
 */
public interface Storage extends Closeable {

  /**
   * Returns a human-readable name of what this storage holds, such as the file's path; used in
   * exception messages.
   *
   * @return the name, never empty
   */
  String describe();

  /**
   * Tells whether this storage refuses every change: a read-only storage maps read-only segments
   * and throws on {@link #extend}, {@link #reserve} and {@link #sync}.
   *
   * @return true when opened read-only
   */
  boolean isReadOnly();

  /**
   * Takes the exclusive writer lock of the underlying file, so that no other process or storage
   * may open it for writing while this one is open. The lock is released by {@link #close}. It
   * must hold whatever else the process opens or closes: {@link FileStorage} keeps it on the
   * file's lock file, never on the file's own descriptors.
   *
   * @return true when the lock was taken, false when another writer holds it
   * @throws IOException when the lock cannot be attempted at all
   */
  boolean tryLockForWriting() throws IOException;

  /**
   * Returns the table in which read-only pagers of this file, in any process, publish the
   * generation they read, so that its writer keeps every page those generations reach (FORMAT.md,
   * "The lock file"). A writer asks it at every commit; a read-only pager takes a slot in it.
   *
   * <p>The default has none: a storage without a lock file (a test kit's simulated one) has
   * neither readers in other processes nor a table, and its read-only pagers are unregistered.
   *
   * @return the table, valid until {@link #close}; null when this storage has none, or is
   *     read-only and its lock file cannot be created or opened for writing
   * @throws IOException when the table exists but cannot be used (for a writer, also when the
   *     lock file cannot be opened)
   */
  default @Nullable ReaderTable readerTable() throws IOException {
    return null;
  }

  /**
   * Returns the current length of the file in bytes.
   *
   * @return the length, zero or more
   * @throws IOException when the length cannot be read
   */
  long size() throws IOException;

  /**
   * Grows the file to at least {@code newSize} bytes; the new bytes read as zero. The new length
   * is durable when this returns. The new range may be sparse: see {@link #reserve}.
   *
   * @param newSize the length to reach; a value at or below {@link #size()} does nothing
   * @throws IOException when the file cannot grow (for example, the disk is full)
   */
  void extend(long newSize) throws IOException;

  /**
   * Shrinks the file to {@code newSize} bytes; the new length is durable when this returns. Only
   * compaction calls it ({@code PageFileCompaction}), once no metadata copy counts a page past
   * the new end. A mapping of the bytes cut must not be touched afterwards: on a real file the
   * access faults ({@code SIGBUS}). The default refuses: a storage that cannot shrink keeps its
   * length, and compaction reports it.
   *
   * @param newSize the length to cut to; a value at or above {@link #size()} does nothing
   * @throws UnsupportedOperationException when this storage cannot shrink
   * @throws IOException when the file cannot be shrunk
   */
  default void truncate(long newSize) throws IOException {
    throw new UnsupportedOperationException(describe() + " cannot shrink");
  }

  /**
   * Makes sure disk blocks back the range, so that later stores into a mapping of it cannot fail
   * for lack of space. The range reads as zero afterwards and must lie within {@link #size()}; it
   * must hold no live data, since an implementation may write zeros to reserve it.
   *
   * @param offset where the range starts, in bytes
   * @param length how many bytes
   * @throws IOException when the blocks cannot be had (for example, the disk is full)
   */
  void reserve(long offset, long length) throws IOException;

  /**
   * Maps a range of the file. The segment stays valid until {@link #close}; closing makes every
   * later access to it throw {@link IllegalStateException}. The range must lie within {@link
   * #size()}.
   *
   * @param offset where the range starts, in bytes; a multiple of the OS page size
   * @param length how many bytes
   * @return a segment of exactly {@code length} bytes, writable unless {@link #isReadOnly()}
   * @throws IOException when the range cannot be mapped
   */
  MemorySegment map(long offset, long length) throws IOException;

  /**
   * Writes bytes into the file at {@code offset} as a positional write ({@code pwrite}), not as
   * stores into a mapping; the file's mappings show them at once, and they become durable like
   * stores, with the next {@link #sync} or {@link #syncAll} that covers them.
   *
   * <p>Why a second way to write: the first store into a mapped page after it was synced is a
   * write fault, in which a file system such as ext4 reserves the block and dirties the page
   * under its journal; a positional write of a whole cached page is a copy. For commits that
   * write many whole pages that is measurably cheaper (BENCHMARKS.md, "Raw page writes").
   *
   * <p>The default stores through a mapping of the range, for storages that have no cheaper
   * way; a storage whose mappings are costly to make must override it.
   *
   * @param offset where to write, in bytes; the range must lie within {@link #size()}
   * @param source the bytes to write
   * @throws IOException when the bytes cannot be written
   */
  default void write(long offset, MemorySegment source) throws IOException {
    map(offset, source.byteSize()).copyFrom(source);
  }

  /**
   * Makes every byte stored into the given range durable.
   *
   * @param offset where the range starts, in bytes
   * @param length how many bytes
   * @throws IOException when the range may not have reached the disk; callers must then assume
   *     nothing about which of its bytes did
   */
  void sync(long offset, long length) throws IOException;

  /**
   * Makes every byte stored into any mapping of the file durable. Cheaper than several ranges:
   * one flush of the device cache covers them all.
   *
   * @throws IOException when some bytes may not have reached the disk
   */
  void syncAll() throws IOException;

  /**
   * Releases the writer lock and every mapping; later accesses to mapped segments throw {@link
   * IllegalStateException}.
   *
   * @throws IOException when the file cannot be closed cleanly
   */
  @Override
  void close() throws IOException;
}
