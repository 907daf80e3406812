package io.github.pager.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One valid metadata copy checked as a repair needs it: its pages within the file, its free-space
 * tree walked node by node, its pending list read whole, and then the structures under its root
 * values, by the repair's {@link PageFileRepair.StructureCheck}.
 *
 * <p>Open checks only a copy's tree root and pending list; a repair that is about to make a copy
 * current checks every node of its tree, so that it never makes current a commit whose tree
 * fails further down, and lets the caller's check walk the structures of that commit (the layers'
 * own checks: pager-core does not know them), through a read-only pager of exactly that commit.
 * The structures are checked only when the tree verifies: a pager cannot be trusted to read a
 * commit whose allocation state is damaged.
 */
final class CheckedCopy {
  final MetadataCopies.Copy copy;
  final MetadataRecord record;

  /** The tree as walked; null when the file is too short for the record to be read at all. */
  private final @Nullable TreeWalker tree;

  /** The pending list, or null when it failed its checks. */
  private final PendingList.@Nullable Contents pending;

  /** What is wrong with the tree, the pending list or the page count. */
  private final List<String> treeProblems;

  /** What the structure check found; empty when the tree failed (nothing was walked). */
  private final List<String> structureProblems;

  private CheckedCopy(
      MetadataCopies.Copy copy,
      @Nullable TreeWalker tree,
      PendingList.@Nullable Contents pending,
      List<String> treeProblems,
      List<String> structureProblems) {
    this.copy = copy;
    this.record = copy.requireRecord();
    this.tree = tree;
    this.pending = pending;
    this.treeProblems = List.copyOf(treeProblems);
    this.structureProblems = List.copyOf(structureProblems);
  }

  /**
   * Checks a valid copy of {@code file}, then its structures by {@code structures} when its tree
   * verifies; reads only.
   *
   * @param lastGeneration the highest generation of a valid copy of the file
   */
  static CheckedCopy of(
      MappedFile file, MetadataCopies.Copy copy, long lastGeneration, PageFileRepair.StructureCheck structures)
      throws IOException {
    MetadataRecord record = copy.requireRecord();
    List<String> problems = new ArrayList<>();
    long filePages = file.storage().size() / file.pageSize();
    if (filePages < record.pageCount) {
      problems.add("counts " + record.pageCount + " pages, but the file holds only " + filePages);
      return new CheckedCopy(copy, null, null, problems, List.of());
    }
    TreeGeometry geometry = TreeGeometry.of(file.pageSize());
    CopyOnWriteTree bits =
        new CopyOnWriteTree(file, geometry, new NodeCache(), record.treeRoot, record.treeRootCrc, record.treeHeight);
    TreeWalker tree = new TreeWalker(bits, record.pageCount);
    try {
      tree.check();
    } catch (UnreadablePageException e) {
      problems.add(String.valueOf(e.getMessage()));
    }
    problems.addAll(tree.problems());
    PendingList.Contents pending = null;
    try {
      pending = PendingList.read(file, record);
    } catch (PageFileException e) {
      problems.add("pending list: " + e.getMessage());
    }
    List<String> structureProblems = List.of();
    if (problems.isEmpty() && pending != null && structures != PageFileRepair.StructureCheck.NONE) {
      structureProblems = checkStructures(file, copy, pending, lastGeneration, structures);
    }
    return new CheckedCopy(copy, tree, pending, problems, structureProblems);
  }

  /**
   * Runs the structure check on a read-only pager of this copy's commit, opened over a mapping of
   * its own (closing the pager leaves the repair's storage open). A check that throws found a
   * problem: the commit cannot be vouched for.
   */
  private static List<String> checkStructures(
      MappedFile file,
      MetadataCopies.Copy copy,
      PendingList.Contents pending,
      long lastGeneration,
      PageFileRepair.StructureCheck structures)
      throws IOException {
    MappedFile own = new MappedFile(new BorrowedStorage(file.storage()), file.pageSize());
    own.mapExisting(file.storage().size() / file.pageSize() * file.pageSize());
    PageFileOpener.Opened commit =
        new PageFileOpener.Opened(
            own, TreeGeometry.of(file.pageSize()), copy.requireRecord(), pending, copy.slot(), lastGeneration, false,
            false, "");
    try (Pager view = Pager.viewUnderWriterLock(commit)) {
      return List.copyOf(structures.problems(view));
    } catch (IOException | RuntimeException failed) {
      String message = failed.getMessage();
      return List.of("its structures could not be checked: "
          + (message == null || message.isBlank() ? failed.getClass().getSimpleName() : message));
    }
  }

  /** Whether its tree, its pending list and its structures all check out. */
  boolean verified() {
    return treeVerified() && structureProblems.isEmpty();
  }

  /** Whether its tree and its pending list check out, whatever its structures. */
  boolean treeVerified() {
    return treeProblems.isEmpty();
  }

  /** Every problem found: the tree's and the pending list's first, then the structures'. */
  List<String> problems() {
    List<String> all = new ArrayList<>(treeProblems);
    all.addAll(structureProblems);
    return all;
  }

  /** What the structure check found; empty when it found nothing or did not run (the tree failed). */
  List<String> structureProblems() {
    return structureProblems;
  }

  String describe() {
    return "copy " + PageFileOpener.slotName(copy.slot()) + " (page " + copy.slot() + ", generation "
        + record.generation + ")";
  }

  /**
   * The pages {@code older} reaches that this newer copy may have let a commit rewrite: in use
   * in {@code older}'s tree, and neither in use in this copy's tree nor pending in its list. The
   * reuse rule keeps every page a commit freed pending until the commit after it is durable, so
   * for the commit just before this one the answer is empty. Pages under a node of this copy that
   * failed its checks are not known either way and are not counted (the commit invariant alone
   * covers them); when this copy's pending list failed, nothing can be told and null is returned.
   *
   * @param limit at most this many pages are returned
   */
  @Nullable List<Long> unsafePagesOf(CheckedCopy older, int limit) throws IOException {
    TreeWalker newerTree = tree;
    TreeWalker olderTree = older.tree;
    if (newerTree == null || olderTree == null || pending == null) {
      return null;
    }
    PendingPages newerPending = new PendingPages(pending.pendingRuns());
    List<Long> unsafe = new ArrayList<>();
    IOException[] failure = new IOException[1];
    olderTree.forEachSetBit(page -> {
      if (unsafe.size() >= limit || failure[0] != null) {
        return;
      }
      try {
        boolean knownClear = page < record.pageCount && newerTree.isKnownClear(page);
        if ((page >= record.pageCount || knownClear) && !newerPending.contains(page)) {
          unsafe.add(page);
        }
      } catch (IOException e) {
        failure[0] = e;
      }
    });
    if (failure[0] != null) {
      throw failure[0];
    }
    return unsafe;
  }

  /** The pending runs of one list, asked page by page. */
  private record PendingPages(List<PendingList.Run> runs) {
    boolean contains(long page) {
      for (PendingList.Run run : runs) {
        if (page >= run.first() && page - run.first() < run.length()) {
          return true;
        }
      }
      return false;
    }
  }
}
