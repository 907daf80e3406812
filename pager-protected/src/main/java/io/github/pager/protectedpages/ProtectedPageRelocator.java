package io.github.pager.protectedpages;

import io.github.pager.core.Pager;
import io.github.pager.core.PageRelocator;
import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.Relocation;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * Moves protected pages' physical pages for {@link io.github.pager.core.PageFileCompaction}: both
 * copies of every protected page, and the nodes of the directory and the used bitmap. Protected
 * page ids never change; only the pages behind them do.
 *
 * <p>A copy moves by having its bytes copied, as they are, into a lower page taken in the
 * compaction's transaction, its directory record naming the new page with the same CRCs and
 * version, and its old page freed. The record, the copy and the free commit together, so a crash
 * leaves the page behind its old record or its new one, each whole; the freed page is pending
 * under the reuse rule like any other. Both copies are copied, the inactive one too, so that a
 * fallback to the commit before finds what it left. A copy that fails its CRC moves as it is and
 * still fails it: compaction moves bytes, it does not judge them.
 *
 * <pre>{@code
 * PageFileCompaction.compact(path, pager -> List.of(
 *     ProtectedPageRelocator.of(ProtectedPageAllocator.open(pager, 8))));
 * }</pre>
 */
public final class ProtectedPageRelocator implements PageRelocator {
  private final ProtectedPageAllocator allocator;

  private ProtectedPageRelocator(ProtectedPageAllocator allocator) {
    this.allocator = allocator;
  }

  /**
   * Returns the relocator of one allocator's protected pages.
   *
   * @param allocator protected pages, opened on the pager the compaction opened
   * @return the relocator
   */
  public static ProtectedPageRelocator of(ProtectedPageAllocator allocator) {
    return new ProtectedPageRelocator(allocator);
  }

  @Override
  public String describe() {
    return "protected pages at slots " + allocator.baseSlot() + "-"
        + (allocator.baseSlot() + ProtectedPageAllocator.ROOT_SLOTS_USED - 1);
  }

  @Override
  public void forEachMovablePage(LongConsumer action) throws IOException {
    allocator.ownedPages().forEach(action::accept);
  }

  @Override
  public long relocate(Relocation relocation) throws IOException {
    Transaction tx = relocation.transaction();
    Pager pager = allocator.pager();
    long firstPage = relocation.firstPage();
    PersistentBitmap used = tx.bitmap(allocator.usedSlot());
    PersistentArray directory = tx.array(allocator.directorySlot(), DirectoryEntry.RECORD_SIZE);
    Map<Long, DirectoryEntry> changed = new LinkedHashMap<>();
    long moved = 0;
    for (long id = used.nextSet(0); id >= 0; id = used.nextSet(id + 1)) {
      DirectoryEntry entry = DirectoryEntry.fromRecord(directory.get(id), id, pager.pageCount(), pager.describe());
      if (entry.isFree() || (entry.copyA() < firstPage && entry.copyB() < firstPage)) {
        continue;
      }
      long copyA = entry.copyA() >= firstPage ? move(relocation, entry.copyA()) : entry.copyA();
      long copyB = entry.copyB() >= firstPage ? move(relocation, entry.copyB()) : entry.copyB();
      moved += (copyA != entry.copyA() ? 1 : 0) + (copyB != entry.copyB() ? 1 : 0);
      if (copyA != entry.copyA() || copyB != entry.copyB()) {
        DirectoryEntry next = new DirectoryEntry(copyA, copyB, entry.crcA(), entry.crcB(), entry.version());
        directory.set(id, next.toRecord());
        changed.put(id, next);
      }
    }
    moved += directory.moveNodesFrom(firstPage);
    moved += used.moveNodesFrom(firstPage);
    // Readers of this allocator learn the new pages once the commit is sealed, as after a write.
    tx.whenSealed(() -> changed.forEach((id, entry) -> allocator.committed().publish(id, entry)));
    return moved;
  }

  /** Copies a page into a lower one and frees it; returns the new page, or the old when none is lower. */
  private long move(Relocation relocation, long page) throws IOException {
    OptionalLong fresh = relocation.takePageBelow();
    if (fresh.isEmpty()) {
      return page;
    }
    Pager pager = allocator.pager();
    MemorySegment from = pager.page(page).segment();
    MemorySegment to = pager.page(fresh.getAsLong()).segment();
    MemorySegment.copy(from, 0, to, 0, from.byteSize());
    relocation.transaction().free(pager.pageId(page));
    return fresh.getAsLong();
  }

  @Override
  public String toString() {
    return "ProtectedPageRelocator[" + allocator + "]";
  }
}
