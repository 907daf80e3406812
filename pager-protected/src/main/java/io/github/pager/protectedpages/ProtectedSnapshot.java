package io.github.pager.protectedpages;

import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.Snapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * The protected pages of one allocator as a {@link Snapshot} pins them: every read returns the
 * version that was committed at the snapshot's generation, verified against the CRC32C the
 * directory recorded then, however many commits the writer has made since.
 *
 * <p>This holds because a writer never stages into a copy an open snapshot may read: while a
 * snapshot older than the newest commit is open, a write goes to a fresh page and the inactive
 * copy is freed, and the pager's reuse rule keeps freed pages away from new owners while such a
 * snapshot is open (FORMAT.md, "Protected pages"). No read here retries or waits.
 *
 * <p>Usable until the snapshot is closed; safe for any thread, as the snapshot is.
 */
public final class ProtectedSnapshot {
  private final ProtectedPageAllocator allocator;
  private final Snapshot snapshot;

  ProtectedSnapshot(ProtectedPageAllocator allocator, Snapshot snapshot) {
    this.allocator = allocator;
    this.snapshot = snapshot;
  }

  /**
   * The generation of the commit this view reads.
   *
   * @return the snapshot's generation
   */
  public long generation() {
    return snapshot.generation();
  }

  /**
   * Tells whether a protected page was allocated at the snapshot's commit.
   *
   * @param id a protected page of this allocator
   * @return true when allocated then
   * @throws IOException when the used bitmap cannot be read
   */
  public boolean isAllocated(ProtectedPageId id) throws IOException {
    id.checkOwner(allocator);
    return hasLayer() && used().get(id.value());
  }

  /**
   * Returns a page's content at the snapshot's commit, verified against the CRC32C the directory
   * recorded then.
   *
   * @param id a protected page of this allocator, allocated at the snapshot's commit
   * @return a new array of one page
   * @throws ProtectedPageCorruptException when the copy fails its checksum
   * @throws IllegalArgumentException when the page was not allocated then
   * @throws IOException when the directory cannot be read
   */
  public byte[] get(ProtectedPageId id) throws IOException {
    byte[] copy = new byte[allocator.pageSize()];
    read(id, copy);
    return copy;
  }

  /**
   * Copies a page's content at the snapshot's commit into {@code target}, verified as {@link
   * #get} does.
   *
   * @param id a protected page of this allocator, allocated at the snapshot's commit
   * @param target an array of at least one page; its first page-size bytes are overwritten
   * @return the version the bytes belong to
   * @throws ProtectedPageCorruptException when the copy fails its checksum
   * @throws IllegalArgumentException when the page was not allocated then, or the target is short
   * @throws IOException when the directory cannot be read
   */
  public long read(ProtectedPageId id, byte[] target) throws IOException {
    int pageSize = allocator.pageSize();
    if (target.length < pageSize) {
      throw new IllegalArgumentException("a page is " + pageSize + " bytes; the target holds " + target.length);
    }
    DirectoryEntry entry = entry(id);
    MemorySegment page = snapshot.page(snapshot.pageId(entry.activePage())).segment();
    MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, target, 0, pageSize);
    int actual = CommittedDirectory.crc32c(target, pageSize);
    if (actual != entry.activeCrc()) {
      throw allocator.committed().corrupt(id.value(), entry, actual);
    }
    return entry.version();
  }

  /**
   * Returns a page's version at the snapshot's commit.
   *
   * @param id a protected page of this allocator, allocated at the snapshot's commit
   * @return the version then
   * @throws IllegalArgumentException when the page was not allocated then
   * @throws IOException when the directory cannot be read
   */
  public long version(ProtectedPageId id) throws IOException {
    return entry(id).version();
  }

  /**
   * Calls {@code action} with every protected page allocated at the snapshot's commit, in
   * increasing order of id.
   *
   * @param action what to do with each
   * @throws IOException when the used bitmap cannot be read
   */
  public void forEachAllocated(Consumer<ProtectedPageId> action) throws IOException {
    if (!hasLayer()) {
      return;
    }
    PersistentBitmap used = used();
    for (long value = used.nextSet(0); value >= 0; value = used.nextSet(value + 1)) {
      action.accept(new ProtectedPageId(allocator, value));
    }
  }

  private DirectoryEntry entry(ProtectedPageId id) throws IOException {
    id.checkOwner(allocator);
    DirectoryEntry entry = DirectoryEntry.FREE;
    if (hasLayer()) {
      PersistentArray directory = snapshot.readArray(allocator.directorySlot(), DirectoryEntry.RECORD_SIZE);
      entry = DirectoryEntry.fromRecord(
          directory.get(id.value()), id.value(), snapshot.pageCount(), allocator.pager().describe());
    }
    if (entry.isFree()) {
      throw new IllegalArgumentException(
          id + " of " + allocator.pager().describe() + " was not allocated at generation " + snapshot.generation());
    }
    return entry;
  }

  /** Whether the allocator's slots were written by the snapshot's commit (they are 0 before). */
  private boolean hasLayer() {
    return snapshot.root(allocator.baseSlot()) == allocator.config();
  }

  private PersistentBitmap used() {
    return snapshot.readBitmap(allocator.usedSlot());
  }

  @Override
  public String toString() {
    return "ProtectedSnapshot[" + allocator + ", generation=" + snapshot.generation() + "]";
  }
}
