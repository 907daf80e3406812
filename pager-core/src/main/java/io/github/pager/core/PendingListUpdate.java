package io.github.pager.core;

import io.github.pager.core.PendingList.ChainPage;
import io.github.pager.core.PendingList.Contents;
import io.github.pager.core.PendingList.Root;
import io.github.pager.core.PendingList.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pending list one commit writes, from the one the last commit left (FORMAT.md, "Pending
 * list", "What a commit writes").
 *
 * <p>The runs that stay pending are the last record's inline runs freed after {@code
 * releasedThrough} (<em>held</em>), the chain's pages with such runs, and the commit's own frees.
 * When held and own runs fit the record, they all go inline and no page is written. Otherwise the
 * held runs (and the own ones too, when those alone do not fit) spill into new chain pages in
 * front of the chain, newest first, and the record starts empty again; with a steady load of held
 * runs that is one page every few dozen commits. Chain pages whose every run is released are cut
 * from the back of the chain and freed by the commit, which then lists them as its own.
 *
 * <p>Used once: {@link #dropReleasedChainPages}, then {@link #pagesNeeded} and {@link #place}
 * until the pages suffice, then {@link #write}.
 */
final class PendingListUpdate {
  /** Newest first, then by page: the order of the runs a commit spills. */
  private static final Comparator<Run> NEWEST_FIRST =
      Comparator.comparingLong(Run::freedBy).reversed().thenComparingLong(Run::first);

  private final int pageSize;
  private final int inlineCapacity;
  private final long generation;
  private final long releasedThrough;
  private final List<Run> held;
  private List<ChainPage> kept;

  private List<Long> newPages = List.of();
  private List<Run> spilled = List.of();
  private List<Run> inline = List.of();

  /**
   * @param committed the list the last commit left
   * @param generation the generation of the commit in progress
   * @param releasedThrough runs freed by this generation or an earlier one are no longer pending
   *     once this commit is durable (see {@link PendingFrees#releasedThrough})
   */
  PendingListUpdate(Contents committed, int pageSize, long generation, long releasedThrough) {
    this.pageSize = pageSize;
    this.inlineCapacity = MetadataRecord.inlineRunCapacity(pageSize);
    this.generation = generation;
    // Never lower than the last record's: a run the last record calls released stays released.
    this.releasedThrough = Math.max(releasedThrough, committed.root().releasedThrough());
    this.held = committed.root().inline().stream().filter(run -> run.freedBy() > this.releasedThrough).toList();
    this.kept = committed.chain();
  }

  /**
   * Cuts the chain after its last page that holds a pending run: those pages list only released
   * runs. The caller frees the pages returned, which the older record still reaches.
   */
  List<Long> dropReleasedChainPages() {
    int keep = kept.size();
    while (keep > 0 && kept.get(keep - 1).newest() <= releasedThrough) {
      keep--;
    }
    List<Long> dropped = kept.subList(keep, kept.size()).stream().map(ChainPage::page).toList();
    kept = List.copyOf(kept.subList(0, keep));
    return dropped;
  }

  /** How many new chain pages the list needs when the commit's own frees are {@code own}. */
  int pagesNeeded(List<Run> own) {
    return PendingList.pagesFor(spill(own).size(), pageSize);
  }

  /**
   * Decides the list for the commit's own frees {@code own}, in new chain pages {@code pages}
   * (at least {@link #pagesNeeded}; any more are written without runs).
   */
  void place(List<Long> pages, List<Run> own) {
    List<Run> spill = spill(own);
    if (PendingList.pagesFor(spill.size(), pageSize) > pages.size()) {
      throw new IllegalArgumentException(spill.size() + " runs do not fit " + pages.size() + " pages");
    }
    newPages = List.copyOf(pages);
    spilled = spill;
    if (spill.isEmpty()) {
      List<Run> all = new ArrayList<>(held);
      all.addAll(own);
      inline = all;
    } else {
      inline = own.size() <= inlineCapacity ? List.copyOf(own) : List.of();
    }
  }

  private List<Run> spill(List<Run> own) {
    if (held.size() + own.size() <= inlineCapacity) {
      return List.of();
    }
    List<Run> spill = new ArrayList<>(held);
    if (own.size() > inlineCapacity) {
      spill.addAll(own);
    }
    spill.sort(NEWEST_FIRST);
    return spill;
  }

  /** How many new chain pages {@link #write} stores: those given to {@link #place}. */
  int newPageCount() {
    return newPages.size();
  }

  /**
   * Writes the new chain pages, linked in front of the kept chain, into fresh pages.
   *
   * @return the list as the new record names it, with its chain
   */
  Contents write(MappedFile file) throws IOException {
    long next = kept.isEmpty() ? 0 : kept.get(0).page();
    int nextCrc = kept.isEmpty() ? 0 : kept.get(0).crc();
    List<ChainPage> chain = new ArrayList<>(PendingList.write(file, newPages, spilled, next, nextCrc, generation));
    chain.addAll(kept);
    Root root = chain.isEmpty()
        ? new Root(0, 0, 0, releasedThrough, inline)
        : new Root(chain.get(0).page(), chain.get(0).crc(), chain.size(), releasedThrough, inline);
    return new Contents(root, chain);
  }
}
