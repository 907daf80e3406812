package io.github.pager.protectedpages;

import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.Transaction;
import io.github.pager.allocator.ForeignHandleException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Writes to several protected pages, protected allocations and frees, and any regular-page
 * changes made through {@link #pagerTransaction()}, made durable together by one commit of the
 * pager: after a crash all of them hold, or none.
 *
 * <p>A protected transaction wraps a pager {@link Transaction} and so holds the pager's writer
 * lock from {@link ProtectedPageAllocator#begin()} until it is closed: writers are serialized,
 * and it must be closed by the thread that began it. {@link #write} stages a page's new content
 * in memory, starting from the committed content, so bytes not written keep their value. {@link
 * #commit()} computes each staged page's CRC32C, writes it into the page's <em>inactive</em> copy
 * (a positional write: see {@link Pager#write}), records the new versions in the directory, and
 * commits the pager transaction: one sync of every staged copy, directory node and the pending
 * list, then one metadata record, whatever the number of pages. Closing without committing
 * discards everything; the committed pages are untouched.
 *
 * <pre>{@code
 * try (ProtectedTransaction tx = pages.begin()) {
 *   ProtectedPageId index = tx.alloc();
 *   tx.write(index).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
 *   tx.write(existing).set(ValueLayout.JAVA_INT_UNALIGNED, 128, 7);   // only these 4 bytes change
 *   tx.free(obsolete);
 *   PageId blob = tx.pagerTransaction().alloc();                      // a regular page, same commit
 *   tx.commit();
 * }
 * }</pre>
 *
 * <p>Any failure inside a method rolls the whole transaction back; later calls other than {@link
 * #close()} then throw {@link IllegalStateException}. Not thread-safe.
 */
public final class ProtectedTransaction implements AutoCloseable {
  private enum State {
    OPEN,
    COMMITTED,
    FAILED,
    CLOSED
  }

  /** A page this transaction changed: its new entry, and what it did to the page's copies. */
  private static final class Staged {
    DirectoryEntry entry;
    /** Allocated here: its active copy is not committed yet, so writes go straight into it. */
    final boolean fresh;
    /** Its active copy was written here: the CRC is computed at commit. */
    boolean written;
    /** The new content, in memory, written into the active copy at commit; null until written. */
    @Nullable MemorySegment staging;

    Staged(DirectoryEntry entry, boolean fresh, boolean written) {
      this.entry = entry;
      this.fresh = fresh;
      this.written = written;
    }
  }

  private final ProtectedPageAllocator allocator;
  private final Pager pager;
  private final Transaction tx;

  /** Whether a snapshot or reader of an older commit was open when this transaction first wrote. */
  private @Nullable Boolean olderCommitRead;
  /** By id, so the directory is written in order. */
  private final Map<Long, Staged> staged = new TreeMap<>();
  private long allocCursor;
  private State state = State.OPEN;
  /** Where staging buffers live: freed by the collector once the transaction and its segments are gone. */
  private @Nullable Arena stagingArena;

  ProtectedTransaction(ProtectedPageAllocator allocator, Transaction tx) {
    this.allocator = allocator;
    this.pager = allocator.pager();
    this.tx = tx;
  }

  /**
   * Returns the pager transaction underneath, for regular pages, sub-pages or root values that
   * must commit with the protected changes. Commit and close this protected transaction, never
   * the pager transaction directly: its commit must carry the directory.
   *
   * @return the pager transaction
   */
  public Transaction pagerTransaction() {
    checkOpen();
    return tx;
  }

  /**
   * Allocates the lowest free protected page id; the page reads as zeros. It becomes durable
   * with the commit.
   *
   * @return the id
   * @throws IOException when the directory cannot be read or the pager cannot allocate the
   *     page's two copies
   */
  public ProtectedPageId alloc() throws IOException {
    return allocBulk(1).getFirst();
  }

  /**
   * Allocates {@code count} protected pages, lowest free ids first; each reads as zeros.
   *
   * @param count how many, zero or more
   * @return the ids, in increasing order
   * @throws IOException when the directory cannot be read or the pager cannot allocate the copies
   */
  public List<ProtectedPageId> allocBulk(int count) throws IOException {
    checkOpen();
    if (count < 0) {
      throw new IllegalArgumentException("cannot allocate " + count + " protected pages");
    }
    try {
      if (tx.root(allocator.baseSlot()) != allocator.config()) {
        // The first commit of these pages: no claim made since they were opened may cover their
        // slots, and a claim of exactly them (the pages opened by name) is the one to write through.
        Optional<RootClaim> own = RootCatalog.of(tx).requireAvailable(
            allocator.baseSlot(), ProtectedPageAllocator.ROOT_SLOTS_USED, ProtectedPageAllocator.KIND);
        if (own.isPresent()) {
          tx.setRoot(own.get(), 0, allocator.config());
        } else {
          tx.setRoot(allocator.baseSlot(), allocator.config());
        }
      }
      PersistentBitmap used = tx.bitmap(allocator.usedSlot());
      List<PageId> copies = tx.allocBulk(2 * count);
      List<ProtectedPageId> ids = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        long id = used.nextClear(allocCursor);
        used.set(id);
        allocCursor = id + 1;
        PageId copyA = copies.get(2 * i);
        PageId copyB = copies.get(2 * i + 1);
        pager.page(copyA).fill((byte) 0);
        DirectoryEntry entry =
            new DirectoryEntry(copyA.index(), copyB.index(), allocator.zeroPageCrc(), 0, 1);
        // Written in place of copy A: the page is new, nobody reads it before the commit.
        staged.put(id, new Staged(entry, true, false));
        ids.add(new ProtectedPageId(allocator, id));
      }
      return ids;
    } catch (IOException | RuntimeException e) {
      failed(e);
      throw e;
    }
  }

  /**
   * Frees a protected page: both its copies and its directory slot, when the transaction commits.
   *
   * @param id a protected page of this allocator, allocated and not freed
   * @throws ForeignHandleException when another allocator made the id
   * @throws DoubleFreeException when the page is free already
   * @throws IOException when the directory cannot be read
   */
  public void free(ProtectedPageId id) throws IOException {
    freeBulk(List.of(id));
  }

  /**
   * Frees several protected pages, checking every id before changing anything.
   *
   * @param ids protected pages of this allocator, allocated and not freed, each once
   * @throws ForeignHandleException when another allocator made one of them
   * @throws DoubleFreeException when one is free already or listed twice
   * @throws IOException when the directory cannot be read
   */
  public void freeBulk(Collection<ProtectedPageId> ids) throws IOException {
    checkOpen();
    try {
      Set<Long> seen = new HashSet<>();
      List<DirectoryEntry> entries = new ArrayList<>(ids.size());
      for (ProtectedPageId id : ids) {
        id.checkOwner(allocator);
        if (!seen.add(id.value())) {
          throw new DoubleFreeException(id + " is listed twice in one free");
        }
        DirectoryEntry entry = current(id.value());
        if (entry.isFree()) {
          throw new DoubleFreeException(id + " of " + pager.describe() + " is already free");
        }
        entries.add(entry);
      }
      PersistentBitmap used = tx.bitmap(allocator.usedSlot());
      List<PageId> copies = new ArrayList<>(2 * entries.size());
      int i = 0;
      for (ProtectedPageId id : ids) {
        DirectoryEntry entry = entries.get(i++);
        copies.add(pager.pageId(entry.copyA()));
        copies.add(pager.pageId(entry.copyB()));
        used.clear(id.value());
        allocCursor = Math.min(allocCursor, id.value()); // the lowest free id, even one freed here
        staged.put(id.value(), new Staged(DirectoryEntry.FREE, false, false));
      }
      tx.freeBulk(copies);
    } catch (IOException | RuntimeException e) {
      failed(e);
      throw e;
    }
  }

  /**
   * Opens a protected page for writing in this transaction and returns its staging copy, which
   * holds the page's current content (the committed one, or what this transaction wrote so far).
   * Writes to it become the page's new version when the transaction commits; readers keep seeing
   * the committed version until then.
   *
   * <p>The segment is a staging buffer in memory, page aligned, not the file's mapping: the
   * commit writes it into the page's inactive copy. Writes to it after the transaction ends go
   * nowhere. Staging in memory keeps the checksum off the mapping (a page the disk cannot read
   * would fault inside it) and lets the commit write each page with one positional write
   * instead of a write fault per page (BENCHMARKS.md, "Raw page writes").
   *
   * @param id a protected page of this allocator, allocated and not freed
   * @return a writable segment of one page
   * @throws ForeignHandleException when another allocator made the id
   * @throws IllegalArgumentException when the page is not allocated
   * @throws ProtectedPageCorruptException when the committed copy fails its checksum: a writer
   *     never starts from corrupt bytes
   * @throws IOException when the directory cannot be read
   */
  public MemorySegment write(ProtectedPageId id) throws IOException {
    checkOpen();
    try {
      id.checkOwner(allocator);
      long value = id.value();
      Staged page = staged.get(value);
      if (page != null && !page.entry.isFree() && (page.fresh || page.written)) {
        // Allocated or written here already: its active copy is this transaction's own, and its
        // content so far is the staging buffer, or zeros for a page allocated here.
        page.written = true;
        MemorySegment staging = page.staging;
        if (staging == null) {
          staging = newStaging();
          page.staging = staging;
        }
        return staging;
      }
      DirectoryEntry current = page != null ? page.entry : allocator.committed().entry(value);
      if (current.isFree()) {
        throw new IllegalArgumentException(id + " of " + pager.describe() + " is not allocated");
      }
      DirectoryEntry next;
      if (olderCommitRead()) {
        // A snapshot or reader of an older commit may read the inactive copy as its active one:
        // stage into a fresh page instead, and free the inactive copy, which the pager then holds
        // back for as long as such a snapshot or reader lives (its reuse rule).
        next = current.nextVersionAt(tx.alloc().index());
        tx.free(pager.pageId(current.inactivePage()));
      } else {
        next = current.nextVersion();
      }
      MemorySegment target = newStaging();
      MemorySegment.copy(segment(current.activePage()), 0, target, 0, target.byteSize());
      int crc = CommittedDirectory.crc32c(target);
      if (crc != current.activeCrc()) {
        throw allocator.committed().corrupt(value, current, crc);
      }
      Staged written = new Staged(next, false, true);
      written.staging = target;
      staged.put(value, written);
      return target;
    } catch (IOException | RuntimeException e) {
      failed(e);
      throw e;
    }
  }

  /**
   * Commits every change: each staged copy's CRC32C and new version go into the directory, and
   * the pager commits all of it, with the regular-page changes, in one metadata record. Readers
   * on other threads see the new versions once this returns, or a little before: from when the
   * commit is sealed and waits for its flush (see {@link Transaction#whenSealed}).
   *
   * @throws io.github.pager.core.PagerUnavailableException when a sync failed; the pager refuses
   *     further work and the outcome is known only after reopening
   * @throws IOException when the commit fails otherwise; then nothing changed
   */
  public void commit() throws IOException {
    checkOpen();
    try {
      if (!staged.isEmpty()) {
        PersistentArray directory = tx.array(allocator.directorySlot(), DirectoryEntry.RECORD_SIZE);
        for (Map.Entry<Long, Staged> change : staged.entrySet()) {
          Staged page = change.getValue();
          MemorySegment staging = page.staging;
          if (page.written && !page.entry.isFree() && staging != null) {
            // Into the copy no committed version names (or a fresh page): synced by the commit's
            // first sync, before the record that makes it active.
            pager.write(pager.pageId(page.entry.activePage()), staging);
            page.entry = page.entry.withActiveCrc(CommittedDirectory.crc32c(staging));
          }
          directory.set(change.getKey(), page.entry.toRecord());
        }
      }
      // Published once the commit is sealed, still under the writer lock: no writer can stage
      // into a copy these entries retire before readers know it is retired. The commit becomes
      // durable after, sharing its flush with other threads' commits.
      tx.whenSealed(this::publish);
      tx.commit();
    } catch (IOException | RuntimeException e) {
      failed(e);
      throw e;
    }
  }

  private void publish() {
    state = State.COMMITTED;
    for (Map.Entry<Long, Staged> change : staged.entrySet()) {
      allocator.committed().publish(change.getKey(), change.getValue().entry);
    }
  }

  /** Ends the transaction, discarding every change unless it was committed, and releases the lock. */
  @Override
  public void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    tx.close();
  }

  /**
   * Tells whether an open snapshot of this pager, or a registered reader in any process, reads a
   * commit older than the current one. Asked once per transaction: a snapshot or reader that
   * starts later reads the current commit (or a newer one), whose active copies no write touches.
   */
  private boolean olderCommitRead() {
    Boolean older = olderCommitRead;
    if (older == null) {
      long oldest = pager.oldestPinnedGeneration();
      older = oldest < pager.generation();
      olderCommitRead = older;
    }
    return older;
  }

  /** The entry as this transaction sees it: its own change, or the committed one. */
  private DirectoryEntry current(long id) throws IOException {
    Staged page = staged.get(id);
    return page != null ? page.entry : allocator.committed().entry(id);
  }

  /** A zeroed, page-aligned buffer of one page, for {@link #write}. */
  private MemorySegment newStaging() {
    Arena arena = stagingArena;
    if (arena == null) {
      arena = Arena.ofAuto();
      stagingArena = arena;
    }
    int pageSize = pager.pageSize();
    return arena.allocate(pageSize, pageSize);
  }

  private MemorySegment segment(long page) {
    return pager.page(pager.pageId(page)).segment();
  }

  private void checkOpen() {
    if (state != State.OPEN) {
      throw new IllegalStateException("protected transaction is " + state.name().toLowerCase(Locale.ROOT));
    }
  }

  /** Rolls everything back after a failure inside a method. */
  private void failed(Exception e) {
    if (state == State.OPEN) {
      state = State.FAILED;
      staged.clear();
      try {
        tx.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
    }
  }
}
