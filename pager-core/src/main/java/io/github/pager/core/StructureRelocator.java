package io.github.pager.core;

import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * Moves the nodes of one bitmap or record array kept under root values, for {@link
 * PageFileCompaction}: the relocator of a layer whose structures nothing but their root values
 * name (a sub-page allocator's bitmaps, say). Data pages such a layer hands out are not moved:
 * they stay where they are, as user pages do.
 */
public final class StructureRelocator implements PageRelocator {
  private final Pager pager;
  private final int slot;
  private final int recordSize;
  private final String description;

  private StructureRelocator(Pager pager, int slot, int recordSize, String description) {
    Transaction.checkStructureSlot(slot);
    this.pager = pager;
    this.slot = slot;
    this.recordSize = recordSize;
    this.description = description;
  }

  /**
   * Returns the relocator of the bitmap under root slots {@code slot} and {@code slot + 1}.
   *
   * @param pager the pager compaction opened
   * @param slot the bitmap's first root slot
   * @param description what the bitmap is, for the report
   * @return the relocator
   */
  public static StructureRelocator bitmap(Pager pager, int slot, String description) {
    return new StructureRelocator(pager, slot, 0, description);
  }

  /**
   * Returns the relocator of the record array under root slots {@code slot} and {@code slot + 1}.
   *
   * @param pager the pager compaction opened
   * @param slot the array's first root slot
   * @param recordSize its record size, as it was created with
   * @param description what the array is, for the report
   * @return the relocator
   */
  public static StructureRelocator array(Pager pager, int slot, int recordSize, String description) {
    PersistentArray.checkRecordSize(recordSize);
    return new StructureRelocator(pager, slot, recordSize, description);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void forEachMovablePage(LongConsumer action) throws IOException {
    RootedStructure structure = recordSize == 0 ? pager.readBitmap(slot) : pager.readArray(slot, recordSize);
    structure.nodePages().forEach(action::accept);
  }

  @Override
  public long relocate(Relocation relocation) throws IOException {
    Transaction tx = relocation.transaction();
    RootedStructure structure = recordSize == 0 ? tx.bitmap(slot) : tx.array(slot, recordSize);
    return structure.moveNodesFrom(relocation.firstPage());
  }
}
