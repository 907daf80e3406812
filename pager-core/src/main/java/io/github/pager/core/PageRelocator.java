package io.github.pager.core;

import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * What a layer gives {@link PageFileCompaction} so that the pages it owns can move towards the
 * start of the file: it names them, and moves those past a given page within one transaction.
 *
 * <p>The pager knows only its own pages (the free-space tree's nodes and the pending list's
 * pages); every other page in use is a user's as far as it can tell, and a user page never moves,
 * since its id is its place. A layer that keeps its state under root values (protected pages'
 * copies and directory, a bitmap's or array's nodes) knows which of "its" user pages nothing
 * outside it names, and how to rewrite what names them. A layer without a relocator is safe: its
 * pages count as user pages, and the file ends after the highest of them.
 *
 * <pre>{@code
 * PageFileCompaction.compact(path, pager -> List.of(
 *     ProtectedPageRelocator.of(ProtectedPageAllocator.open(pager, 8))));
 * }</pre>
 */
public interface PageRelocator {

  /**
   * Says what the relocator moves, for the compaction's report: {@code "protected pages at slots
   * 8-12"}.
   *
   * @return a short description
   */
  String describe();

  /**
   * Calls {@code action} with every page, as of the last commit, that {@link #relocate} can move.
   * Compaction counts every other page in use (but the pager's own) as one that stays in place.
   *
   * @param action what to do with each page
   * @throws IOException when the layer's state cannot be read
   */
  void forEachMovablePage(LongConsumer action) throws IOException;

  /**
   * Moves, within {@link Relocation#transaction()}, every movable page at or past {@link
   * Relocation#firstPage()} to a page below it: copies its bytes into a page taken with {@link
   * Relocation#takePageBelow()}, rewrites what names it, and frees it; the nodes of a {@link
   * PersistentBitmap} or {@link PersistentArray} move with its {@code moveNodesFrom}. Pages for
   * which no lower page is left stay where they are. The caller commits.
   *
   * @param relocation the transaction and the range to move out of
   * @return how many pages were moved
   * @throws IOException when the layer's state cannot be read or changed; the caller rolls the
   *     transaction back
   */
  long relocate(Relocation relocation) throws IOException;
}
