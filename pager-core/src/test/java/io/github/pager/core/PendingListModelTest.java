package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A randomised model check of the pending list against the
 * trees it describes, across snapshots, registered readers, rollbacks, commits that free nothing
 * and reopens. After every commit (and every open) both metadata records are read from the file
 * and checked:
 *
 * <ul>
 *   <li>a record's pending pages are free in its own tree;
 *   <li>the pages the commit freed (in use at the commit before, not at this one) are pending;
 *   <li>the pages a pinned generation (snapshot or registered reader) reaches and the commit no
 *       longer does are pending;
 *   <li>the pages the commit newly put in use were in use neither two commits back (the alternate
 *       during the commit) nor at any pinned generation.
 * </ul>
 */
class PendingListModelTest {
  @TempDir Path dir;

  /** What one record says: its tree's pages in use and its list's pending pages. */
  record State(long generation, Set<Long> inUse, Set<Long> pending) {}

  private final Map<Long, State> byGeneration = new HashMap<>();

  private int chainSeen;
  private @org.jspecify.annotations.Nullable State lastCurrent;
  private @org.jspecify.annotations.Nullable State lastOther;
  private int pinnedChecks;

  @Test
  void thePendingListAgreesWithTheTreesAcrossSnapshotsReadersAndReopens() throws IOException {
    long first = Long.getLong("pager.seed", System.nanoTime());
    int rounds = Integer.getInteger("pager.model.rounds", 1);
    for (int round = 0; round < rounds; round++) {
      long seed = first + round;
      System.out.println("[pending list model] seed " + seed + " (-Dpager.seed=" + seed + ")");
      byGeneration.clear();
      run(seed, dir.resolve("pages-" + round + ".db"));
      System.out.println("  chain seen after " + chainSeen + " steps, pinned checks " + pinnedChecks);
    }
  }

  private void run(long seed, Path file) throws IOException {
    Random random = new Random(seed);
    PagerOptions options = PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE);
    List<Long> live = new ArrayList<>();
    List<Snapshot> snapshots = new ArrayList<>();
    List<Pager> readers = new ArrayList<>();
    Pager pager = Pager.create(file, options);
    lastCurrent = null;
    lastOther = null;
    boolean rotAllowed = false;
    try {
      check(file, pager, snapshots, readers, "create");
      for (int step = 0; step < 600; step++) {
        int op = random.nextInt(100);
        String what;
        if (op < 45) {
          what = "alloc/free";
          try (Transaction tx = pager.begin()) {
            int allocs = random.nextInt(40);
            for (PageId id : tx.allocBulk(allocs)) {
              live.add(id.index());
            }
            int frees = random.nextInt(Math.min(live.size(), 60) + 1);
            List<PageId> free = new ArrayList<>();
            for (int i = 0; i < frees; i++) {
              free.add(pager.pageId(live.remove(random.nextInt(live.size()))));
            }
            tx.freeBulk(free);
            if (random.nextInt(4) == 0) {
              PersistentBitmap bits = tx.bitmap(0);
              for (int i = 0; i < 20; i++) {
                long index = random.nextInt(20_000);
                if (bits.get(index)) {
                  bits.clear(index);
                } else {
                  bits.set(index);
                }
              }
            }
            tx.commit();
          }
        } else if (op < 55) {
          what = "rollback";
          List<Long> before = new ArrayList<>(live);
          try (Transaction tx = pager.begin()) {
            tx.allocBulk(random.nextInt(30));
            List<PageId> free = new ArrayList<>();
            for (int i = 0; i < Math.min(5, before.size()); i++) {
              free.add(pager.pageId(before.get(random.nextInt(before.size()))));
            }
            tx.freeBulk(new ArrayList<>(new java.util.LinkedHashSet<>(free)));
          }
        } else if (op < 62) {
          what = "root only";
          try (Transaction tx = pager.begin()) {
            tx.setRoot(5, tx.root(5) + 1);
            tx.commit();
          }
        } else if (op < 72) {
          what = "snapshot";
          snapshots.add(pager.snapshot());
        } else if (op < 82) {
          what = "close snapshot";
          if (!snapshots.isEmpty()) {
            snapshots.remove(random.nextInt(snapshots.size())).close();
          }
        } else if (op < 87) {
          what = "reader";
          readers.add(Pager.open(file, options.withReadOnly(true)));
        } else if (op < 92) {
          what = "reader moves or goes";
          if (!readers.isEmpty()) {
            Pager reader = readers.get(random.nextInt(readers.size()));
            if (random.nextBoolean()) {
              try {
                reader.refresh();
              } catch (CorruptMetadataException rottenNewest) {
                // The rotten record is still the newest until the writer commits: refresh says so.
              }
            } else {
              readers.remove(reader);
              reader.close();
            }
          }
        } else if (op < 95 && rotAllowed && rootsDiffer(file)) {
          what = "rot the current tree root, reopen at the alternate";
          for (Snapshot snapshot : snapshots) {
            snapshot.close();
          }
          snapshots.clear();
          for (Pager reader : readers) {
            reader.close();
          }
          readers.clear();
          long rotten = pager.generation();
          pager.close();
          NodeRot.freeSpaceTree(file).rotRoot();
          pager = Pager.open(file, options);
          assertThat(pager.openedFromAlternate()).as("seed %d", seed).isTrue();
          assertThat(pager.generation()).isEqualTo(rotten - 1);
          byGeneration.remove(rotten);
          // The pages the rotten commit took are free at the alternate: the model forgets them.
          // (Layers' node pages are allocated too: keep only pages the model handed out itself.)
          Set<Long> allocated = new HashSet<>();
          pager.forEachAllocated(id -> allocated.add(id.index()));
          live.retainAll(allocated);
          rotAllowed = false;
        } else {
          what = "reopen";
          for (Snapshot snapshot : snapshots) {
            snapshot.close();
          }
          snapshots.clear();
          pager.close();
          pager = Pager.open(file, options);
        }
        if (Boolean.getBoolean("pager.model.trace")) {
          System.out.println("  step " + step + ": " + what + " -> generation " + pager.generation());
        }
        long generationBefore = lastCurrent == null ? 0 : lastCurrent.generation();
        check(file, pager, snapshots, readers, "step " + step + " (" + what + "), seed " + seed);
        if (pager.generation() > generationBefore && lastOther != null && lastOther.generation() == pager.generation() - 1) {
          rotAllowed = true;
        }
      }
    } finally {
      for (Snapshot snapshot : snapshots) {
        snapshot.close();
      }
      for (Pager reader : readers) {
        reader.close();
      }
      pager.close();
    }
  }

  private void check(Path file, Pager pager, List<Snapshot> snapshots, List<Pager> readers, String where)
      throws IOException {
    Map<Long, State> records = read(file);
    long current = records.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertThat(current).as(where).isEqualTo(pager.generation());
    for (State state : records.values()) {
      Set<Long> both = new HashSet<>(state.pending());
      both.retainAll(state.inUse());
      assertThat(both).as("%s: pages record %d lists as pending but its tree has in use", where, state.generation()).isEmpty();
      byGeneration.putIfAbsent(state.generation(), state);
    }
    State now = java.util.Objects.requireNonNull(records.get(current));
    State before = lastCurrent != null && lastCurrent.generation() < current ? lastCurrent : null;
    State alternateDuring = before == null ? null : lastOther;
    lastCurrent = now;
    lastOther = records.values().stream().filter(state -> state.generation() != current).findFirst().orElse(null);
    List<Long> pinned = new ArrayList<>();
    snapshots.forEach(snapshot -> pinned.add(snapshot.generation()));
    readers.forEach(reader -> pinned.add(reader.generation()));
    if (before != null) {
      Set<Long> freed = new HashSet<>(before.inUse());
      freed.removeAll(now.inUse());
      freed.removeAll(now.pending());
      assertThat(freed).as("%s: pages generation %d freed that its record does not list as pending", where, current).isEmpty();
      Set<Long> added = new HashSet<>(now.inUse());
      added.removeAll(before.inUse());
      State previous = byGeneration.get(before.generation() - 1);
      if (previous != null) {
        Set<Long> clash = new HashSet<>(added);
        clash.retainAll(previous.inUse());
        assertThat(clash).as("%s: pages generation %d took that generation %d reaches, freed by %d",
            where, current, previous.generation(), before.generation()).isEmpty();
      }
      State alternate = alternateDuring;
      if (alternate != null) {
        Set<Long> clash = new HashSet<>(added);
        clash.retainAll(alternate.inUse());
        assertThat(clash).as("%s: pages generation %d took that generation %d (the alternate during it) reaches",
            where, current, alternate.generation()).isEmpty();
      }
      for (long generation : pinned) {
        State held = byGeneration.get(generation);
        if (held == null || generation >= current) {
          continue;
        }
        pinnedChecks++;
        Set<Long> clash = new HashSet<>(added);
        clash.retainAll(held.inUse());
        assertThat(clash).as("%s: pages generation %d took that pinned generation %d reaches", where, current, generation)
            .isEmpty();
        Set<Long> gone = new HashSet<>(held.inUse());
        gone.removeAll(now.inUse());
        gone.removeAll(now.pending());
        assertThat(gone).as("%s: pages pinned generation %d reaches, free at %d and not pending there", where, generation,
            current).isEmpty();
      }
    }
    assertThat(pager.verify().problems()).as(where).isEmpty();
    if (pager.pendingPages().listPages() > 0) {
      chainSeen++;
    }
  }

  /** Whether the two records have different free-space tree roots: rotting one then spares the other. */
  private static boolean rootsDiffer(Path file) throws IOException {
    PageFileInspection inspection = PageFileInspection.inspect(file);
    return inspection.copy((int) Format.METADATA_A_PAGE).treeRoot() != inspection.copy((int) Format.METADATA_B_PAGE).treeRoot();
  }

  /** Both valid records of the file, with the pages each tree has in use and each list calls pending. */
  private static Map<Long, State> read(Path file) throws IOException {
    Map<Long, State> states = new HashMap<>();
    try (FileStorage storage = FileStorage.open(file, true)) {
      MappedFile mapped = new MappedFile(storage, 1024);
      mapped.mapExisting(Files.size(file) / 1024 * 1024);
      TreeGeometry geometry = TreeGeometry.of(1024);
      for (MetadataCopies.Copy copy : MetadataCopies.read(mapped).validNewestFirst()) {
        MetadataRecord record = copy.requireRecord();
        Set<Long> inUse = new HashSet<>();
        try {
          TreeNodes.read(mapped, geometry, record.treeRoot, record.treeRootCrc, record.treeHeight - 1, 0);
        } catch (CorruptMetadataException rotten) {
          continue;
        }
        CopyOnWriteTree tree =
            new CopyOnWriteTree(mapped, geometry, new NodeCache(), record.treeRoot, record.treeRootCrc, record.treeHeight);
        new TreeWalker(tree, record.pageCount).forEachSetBit(inUse::add);
        Set<Long> pending = new HashSet<>();
        for (PendingList.Run run : PendingList.read(mapped, record).pendingRuns()) {
          for (long page = run.first(); page < run.first() + run.length(); page++) {
            assertThat(pending.add(page)).as("page %d in two pending runs of generation %d", page, record.generation).isTrue();
          }
        }
        states.put(record.generation, new State(record.generation, inUse, pending));
      }
    }
    return states;
  }
}
