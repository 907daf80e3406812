package io.github.pager.allocator;

import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.PageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Divides pages into equal power-of-two sub-pages and hands them out as {@link SubPageId}s; its
 * state lives in the file and commits with the pager, so after a reopen or a crash it is exactly
 * that of the last acknowledged commit.
 *
 * <p>The state is two {@link PersistentBitmap}s and a configuration value under five consecutive
 * root slots starting at {@code baseSlot} (see FORMAT.md, "Sub-page allocator"):
 *
 * <ul>
 *   <li>{@code baseSlot}: the configuration (a magic number, the page and sub-page sizes), so an
 *       allocator reopened with another sub-page size is refused;
 *   <li>{@code baseSlot + 1, + 2}: the <em>used</em> bitmap, bit {@code page * slotsPerPage +
 *       slot} set while that sub-page is handed out;
 *   <li>{@code baseSlot + 3, + 4}: the <em>partial</em> bitmap, bit {@code page} set while the
 *       page belongs to this allocator and has a free slot.
 * </ul>
 *
 * <p>A page belongs to the allocator exactly while one of its sub-pages is used: allocation takes
 * the lowest reusable slot of the lowest partial page, or a new page from the pager; freeing the
 * last used sub-page of a page gives the page back to the pager in the same commit. Every
 * operation is one transaction, so the bitmaps, the parent page's allocation and its return commit
 * together. The {@code (Transaction)} forms let callers fold sub-page changes into a larger
 * transaction.
 *
 * <p>A freed sub-page is handed out again only once the commit after the one that freed it is
 * durable, as the pager does with pages: never by the transaction that frees it, so a rollback or
 * a crash gives the old owner its bytes back untouched (see {@code SubPageReuseRule}). That rule
 * keeps its state in this instance: open one allocator per base slot per pager opening.
 *
 * <p>Several allocators, of different sizes, can share a file under different base slots.
 */
public final class SubPageAllocator implements BulkPageAllocator<SubPageId> {
  /** The smallest sub-page, in bytes. */
  public static final int MIN_SUB_PAGE_SIZE = 64;

  /** Root slots one allocator occupies, from its base slot on. */
  public static final int ROOT_SLOTS_USED = 5;

  /** The kind an allocator claims its root slots as in the root catalog: {@code "pager-subpages"}. */
  public static final String KIND = "pager-subpages";

  /** "SUBP" in the configuration value's high half. */
  private static final long CONFIG_MAGIC = 0x53554250L;

  private final Pager pager;
  private final int baseSlot;
  private final int subPageSize;
  private final int slotsPerPage;
  private final SubPageReuseRule reuse;

  /**
   * The transaction the search below belongs to. Within one transaction a page below {@link
   * #searchFrom} gains a reusable slot only when the transaction frees one it allocated itself
   * (any other slot it frees is pending), which lowers the mark; so each allocation resumes where
   * the last one stopped instead of walking past the same pending slots again.
   */
  private @Nullable Transaction searching;

  /** The lowest partial page that may hold a reusable slot, in {@link #searching}. */
  private long searchFrom;

  private SubPageAllocator(Pager pager, int baseSlot, int subPageSize) {
    this.pager = pager;
    this.baseSlot = baseSlot;
    this.subPageSize = subPageSize;
    this.slotsPerPage = pager.pageSize() / subPageSize;
    this.reuse = new SubPageReuseRule(pager, baseSlot + 1);
  }

  /**
   * Opens the sub-page allocator kept under root slots {@code baseSlot} to {@code baseSlot + 4},
   * or starts one there if those slots were never used (it is written by its first commit).
   *
   * @param pager the pager; stays the caller's to close
   * @param baseSlot the first of the five root slots
   * @param subPageSize a power of two from {@link #MIN_SUB_PAGE_SIZE} to half the page size
   * @return the allocator
   * @throws IllegalArgumentException when the size or the slot is out of range
   * @throws PageFileException when the slots hold another structure, or an allocator of another
   *     sub-page size or page size, or the root catalog cannot be read
   * @throws io.github.pager.core.RootClaimConflictException when another structure claimed one of
   *     the slots in the root catalog
   */
  public static SubPageAllocator open(Pager pager, int baseSlot, int subPageSize) throws PageFileException {
    if (Integer.bitCount(subPageSize) != 1 || subPageSize < MIN_SUB_PAGE_SIZE || subPageSize > pager.pageSize() / 2) {
      throw new IllegalArgumentException(
          "sub-page size " + subPageSize + " is not a power of two from " + MIN_SUB_PAGE_SIZE + " to "
              + pager.pageSize() / 2);
    }
    if (baseSlot < 0 || baseSlot + ROOT_SLOTS_USED > Transaction.ROOT_SLOTS) {
      throw new IllegalArgumentException(
          "a sub-page allocator needs root slots " + baseSlot + " to " + (baseSlot + ROOT_SLOTS_USED - 1)
              + "; slots are [0, " + Transaction.ROOT_SLOTS + ")");
    }
    // Another structure's claim first: it says whose the slots are.
    RootCatalog.requireAvailable(pager, baseSlot, ROOT_SLOTS_USED, KIND);
    SubPageAllocator allocator = new SubPageAllocator(pager, baseSlot, subPageSize);
    long stored = pager.root(baseSlot);
    if (stored != 0 && stored != allocator.config()) {
      boolean ours = stored >>> 32 == CONFIG_MAGIC;
      throw new PageFileException(
          pager.describe() + ": root slot " + baseSlot + (ours
              ? " holds a sub-page allocator of " + (1 << (stored & 0xFF)) + "-byte sub-pages in "
                  + (1 << ((stored >>> 8) & 0xFF)) + "-byte pages, not " + subPageSize + "-byte sub-pages in "
                  + pager.pageSize() + "-byte pages"
              : " holds another structure (0x" + Long.toHexString(stored) + "), not a sub-page allocator"));
    }
    return allocator;
  }

  /**
   * Opens the sub-page allocator claimed as {@code name} in the pager's {@link RootCatalog}
   * (kind {@value #KIND}), claiming five free root slots for it, in a commit of its own, when the
   * name is not claimed yet. No other structure can then take its slots, and tools name it.
   *
   * <pre>{@code
   * SubPageAllocator small = SubPageAllocator.open(pager, "small-records", 256);
   * }</pre>
   *
   * @param pager the pager; stays the caller's to close
   * @param name the allocator's name (see {@link RootClaim})
   * @param subPageSize a power of two from {@link #MIN_SUB_PAGE_SIZE} to half the page size
   * @return the allocator
   * @throws io.github.pager.core.RootClaimConflictException when the name is claimed by another
   *     kind, or no five consecutive slots are free
   * @throws PageFileException when the claimed slots hold another structure or an allocator of
   *     another size, or the name is not claimed and the pager is read-only
   * @throws IOException when the root catalog cannot be read or the claim's commit fails
   */
  public static SubPageAllocator open(Pager pager, String name, int subPageSize) throws IOException {
    return open(pager, RootCatalog.claim(pager, name, KIND, ROOT_SLOTS_USED).firstSlot(), subPageSize);
  }

  /**
   * Tells whether root slot {@code baseSlot} holds a sub-page allocator's configuration, and of
   * what sub-page size: for tools that find the structures in a file.
   *
   * @param pager the pager to look in
   * @param baseSlot a root slot
   * @return the sub-page size, or empty when the slot holds no sub-page allocator
   */
  public static java.util.OptionalInt storedSubPageSize(Pager pager, int baseSlot) {
    long stored = pager.root(baseSlot);
    if (stored >>> 32 != CONFIG_MAGIC || ((stored >>> 8) & 0xFF) != Integer.numberOfTrailingZeros(pager.pageSize())) {
      return java.util.OptionalInt.empty();
    }
    return java.util.OptionalInt.of(1 << (stored & 0xFF));
  }

  /** The configuration value: magic, log2 of the page size, log2 of the sub-page size. */
  private long config() {
    return (CONFIG_MAGIC << 32)
        | ((long) Integer.numberOfTrailingZeros(pager.pageSize()) << 8)
        | Integer.numberOfTrailingZeros(subPageSize);
  }

  Pager pager() {
    return pager;
  }

  int slotsPerPage() {
    return slotsPerPage;
  }

  /**
   * Returns how many sub-pages share one page.
   *
   * @return page size / sub-page size
   */
  public int subPagesPerPage() {
    return slotsPerPage;
  }

  /** Returns the sub-page size. */
  @Override
  public int pageSize() {
    return subPageSize;
  }

  // ---------------------------------------------------------------------------------------------
  // One commit each

  @Override
  public SubPageId alloc() throws IOException {
    try (Transaction tx = pager.begin()) {
      SubPageId id = alloc(tx);
      tx.commit();
      return id;
    }
  }

  @Override
  public List<SubPageId> allocBulk(int count) throws IOException {
    if (count < 0) {
      throw new IllegalArgumentException("cannot allocate " + count + " sub-pages");
    }
    try (Transaction tx = pager.begin()) {
      List<SubPageId> ids = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ids.add(alloc(tx));
      }
      tx.commit();
      return ids;
    }
  }

  @Override
  public void free(SubPageId handle) throws IOException {
    freeBulk(List.of(handle));
  }

  @Override
  public void freeBulk(Collection<SubPageId> handles) throws IOException {
    try (Transaction tx = pager.begin()) {
      freeBulk(tx, handles);
      tx.commit();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Inside a caller's transaction

  /**
   * Allocates the lowest free sub-page that may be handed out again (not one freed by {@code tx}
   * or by the last commit) as part of {@code tx}; it is durable when {@code tx} commits.
   *
   * @param tx an open transaction of this allocator's pager
   * @return the sub-page
   * @throws IOException when the state cannot be read or a parent page cannot be allocated
   */
  public SubPageId alloc(Transaction tx) throws IOException {
    if (tx.root(baseSlot) != config()) {
      // The allocator's first commit: no claim made since it was opened may cover its slots, and
      // a claim of exactly them (the allocator opened by name) is the one to write through.
      Optional<RootClaim> own = RootCatalog.of(tx).requireAvailable(baseSlot, ROOT_SLOTS_USED, KIND);
      if (own.isPresent()) {
        tx.setRoot(own.get(), 0, config());
      } else {
        tx.setRoot(baseSlot, config());
      }
    }
    PersistentBitmap used = tx.bitmap(baseSlot + 1);
    PersistentBitmap partial = tx.bitmap(baseSlot + 3);
    if (searching != tx) {
      searching = tx;
      searchFrom = 0;
      reuse.beginTransaction();
    }
    long page;
    long value = -1;
    for (page = partial.nextSet(searchFrom); page >= 0; page = partial.nextSet(page + 1)) {
      value = reusableSlot(used, page);
      if (value >= 0) {
        break;
      }
    }
    if (value < 0) {
      page = tx.alloc().index();
      partial.set(page);
      value = reusableSlot(used, page);
      if (value < 0) {
        // The pager hands a page out only after every slot freed before it was given back is reusable.
        throw new IllegalStateException(pager.describe() + ": page " + page + " came from the pager with pending sub-pages");
      }
    }
    searchFrom = page;
    long first = page * slotsPerPage;
    used.set(value);
    if (used.nextClear(first) >= first + slotsPerPage) {
      partial.clear(page);
    }
    return new SubPageId(this, value);
  }

  /**
   * Returns the lowest slot of a partial page that is free and may be handed out now, or -1 when
   * every free slot of it is still pending under the reuse rule.
   */
  private long reusableSlot(PersistentBitmap used, long page) throws IOException {
    long first = page * slotsPerPage;
    long end = first + slotsPerPage;
    long value = used.nextClear(first);
    if (value >= end) {
      throw new PageFileException(pager.describe() + ": page " + page + " is marked partial but has no free sub-page");
    }
    for (; value < end; value = used.nextClear(value + 1)) {
      if (reuse.mayReuse(value)) {
        return value;
      }
    }
    return -1;
  }

  /**
   * Frees sub-pages as part of {@code tx}, checking every handle before changing anything; a
   * parent page whose last sub-page is freed goes back to the pager in the same transaction. The
   * sub-pages are handed out again once the commit after {@code tx}'s is durable; ones that
   * {@code tx} allocated itself, at once.
   *
   * @param tx an open transaction of this allocator's pager
   * @param handles sub-pages this allocator made and has not freed, each once
   * @throws ForeignHandleException when another allocator made one of them
   * @throws DoubleFreeException when one is free already or listed twice
   * @throws IOException when the state cannot be read
   */
  public void freeBulk(Transaction tx, Collection<SubPageId> handles) throws IOException {
    PersistentBitmap used = tx.bitmap(baseSlot + 1);
    PersistentBitmap partial = tx.bitmap(baseSlot + 3);
    Set<Long> seen = new HashSet<>();
    for (SubPageId handle : handles) {
      handle.checkOwner(this);
      if (!seen.add(handle.value())) {
        throw new DoubleFreeException(handle + " is listed twice in one free");
      }
      if (!used.get(handle.value())) {
        throw new DoubleFreeException(handle + " of " + pager.describe() + " is already free");
      }
    }
    for (SubPageId handle : handles) {
      used.clear(handle.value());
      long page = handle.page();
      if (reuse.freed(handle.value()) && searching == tx) {
        searchFrom = Math.min(searchFrom, page);
      }
      long first = page * slotsPerPage;
      boolean wasPartial = partial.get(page);
      long next = used.nextSet(first);
      if (next < 0 || next >= first + slotsPerPage) {
        if (wasPartial) {
          partial.clear(page);
        }
        tx.free(pager.pageId(page));
      } else if (!wasPartial) {
        partial.set(page);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  @Override
  public SubPageId handle(long value) throws IOException {
    // Long.MAX_VALUE is no bit index of a bitmap, so no sub-page's value either.
    if (value < 0 || value == Long.MAX_VALUE || !pager.readBitmap(baseSlot + 1).get(value)) {
      throw new IllegalArgumentException(
          "sub-page value " + value + " is not handed out by " + this);
    }
    return new SubPageId(this, value);
  }

  /**
   * Calls {@code action} with every sub-page handed out, as of the last commit, in increasing
   * order of value.
   *
   * @param action what to do with each
   * @throws IOException when the state cannot be read
   */
  public void forEachAllocated(Consumer<SubPageId> action) throws IOException {
    PersistentBitmap used = pager.readBitmap(baseSlot + 1);
    for (long value = used.nextSet(0); value >= 0; value = used.nextSet(value + 1)) {
      action.accept(new SubPageId(this, value));
    }
  }

  /**
   * Checks the allocator's state against itself and the pager, as of the last commit: both
   * bitmaps' structure, every parent page allocated in the pager, every partial page with both a
   * used and a free sub-page, and every page with a free sub-page marked partial.
   *
   * @return one line per problem; empty when all is well
   * @throws IOException when the state cannot be read at all
   */
  public List<String> verify() throws IOException {
    PersistentBitmap used = pager.readBitmap(baseSlot + 1);
    PersistentBitmap partial = pager.readBitmap(baseSlot + 3);
    List<String> problems = new ArrayList<>(used.verify());
    problems.addAll(partial.verify());
    long lastPage = -1;
    for (long value = used.nextSet(0); value >= 0; value = used.nextSet(value + 1)) {
      long page = value / slotsPerPage;
      if (page == lastPage) {
        continue;
      }
      lastPage = page;
      if (!pager.isAllocated(pager.pageId(page))) {
        problems.add("parent page " + page + " holds used sub-pages but is not allocated in the pager");
      }
      boolean hasFree = used.nextClear(page * slotsPerPage) < (page + 1) * slotsPerPage;
      if (hasFree != partial.get(page)) {
        problems.add("parent page " + page + (hasFree ? " has a free sub-page but is not" : " is full but is") + " marked partial");
      }
    }
    for (long page = partial.nextSet(0); page >= 0; page = partial.nextSet(page + 1)) {
      long next = used.nextSet(page * slotsPerPage);
      if (next < 0 || next >= (page + 1) * slotsPerPage) {
        problems.add("page " + page + " is marked partial but holds no used sub-page");
      }
    }
    return problems;
  }

  /**
   * Returns the pages this allocator's state occupies: parent pages and the bitmaps' nodes, for
   * tools that account for every page of a file.
   *
   * @return page indexes, as of the last commit
   * @throws IOException when the state cannot be read
   */
  public Set<Long> ownedPages() throws IOException {
    Set<Long> pages = new HashSet<>(pager.readBitmap(baseSlot + 1).nodePages());
    pages.addAll(pager.readBitmap(baseSlot + 3).nodePages());
    forEachAllocated(id -> pages.add(id.page()));
    return pages;
  }

  MemorySegment bytes(SubPageId id) {
    return pager.page(pager.pageId(id.page())).segment().asSlice((long) id.slot() * subPageSize, subPageSize);
  }

  @Override
  public String toString() {
    return "SubPageAllocator[" + pager.describe() + ", slots " + baseSlot + "-" + (baseSlot + ROOT_SLOTS_USED - 1)
        + ", " + subPageSize + "-byte sub-pages]";
  }
}
