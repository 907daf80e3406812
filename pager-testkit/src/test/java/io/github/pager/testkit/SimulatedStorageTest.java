package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The fault model itself: cache versus durable image, syncs, EIO, close, crash images, rot. */
class SimulatedStorageTest {

  private static SimulatedStorage twoPages(FaultPlan faults) throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().capacity(8192).faults(faults).build();
    storage.extend(8192);
    return storage;
  }

  @Test
  void storesAreDirtyUntilSyncedAndOnlyTheSyncedPageBecomesDurable() throws IOException {
    try (SimulatedStorage storage = twoPages(FaultPlan.none())) {
      MemorySegment all = storage.map(0, 8192);
      all.set(ValueLayout.JAVA_BYTE, 10, (byte) 1);
      all.set(ValueLayout.JAVA_BYTE, 5000, (byte) 2);
      assertThat(storage.map(4096, 4096).get(ValueLayout.JAVA_BYTE, 904)).as("mappings alias").isEqualTo((byte) 2);
      assertThat(storage.dirtyPages()).containsExactly(0, 1);
      storage.sync(0, 100);
      assertThat(storage.dirtyPages()).containsExactly(1);
      assertThat(storage.durableImage()[10]).isEqualTo((byte) 1);
      assertThat(storage.durableImage()[5000]).isZero();
      assertThat(storage.crashImage(1, CrashImage.ALL_OLD).bytes()[5000]).isZero();
      assertThat(storage.crashImage(1, CrashImage.ALL_NEW).bytes()[5000]).isEqualTo((byte) 2);
      storage.syncAll();
      assertThat(storage.dirtyPages()).isEmpty();
    }
  }

  @Test
  void aFailedSyncThrowsAndLeavesTheRangeCleanWhateverReachedTheDisk() throws IOException {
    try (SimulatedStorage storage = twoPages(FaultPlan.none().withSeed(3).failingSync(0))) {
      storage.map(0, 8192).fill((byte) 7);
      assertThatThrownBy(storage::syncAll).isInstanceOf(IOException.class).hasMessageContaining("input/output error");
      assertThat(storage.dirtyPages()).as("Linux marks the failed range clean").isEmpty();
      storage.syncAll();
      // Whatever the failed sync left is all the disk will ever have: the retry writes nothing.
      byte[] durable = storage.durableImage();
      byte[] crashed = storage.crashImage(9, CrashImage.ALL_NEW).bytes();
      assertThat(crashed).isEqualTo(durable);
    }
  }

  @Test
  void injectedGrowthAndMapFailuresThrowAndChangeNothing() throws IOException {
    try (SimulatedStorage storage = SimulatedStorage.builder().capacity(8192)
        .faults(FaultPlan.none().failingExtend(0).failingMap(0)).build()) {
      assertThatThrownBy(() -> storage.extend(4096)).isInstanceOf(IOException.class);
      assertThat(storage.size()).isZero();
      storage.extend(4096);
      assertThatThrownBy(() -> storage.map(0, 4096)).isInstanceOf(IOException.class);
      assertThat(storage.map(0, 4096).byteSize()).isEqualTo(4096);
      assertThatThrownBy(() -> storage.extend(16384)).as("past the capacity: disk full").isInstanceOf(IOException.class);
    }
  }

  @Test
  void closingInvalidatesEveryMappingButKeepsTheCacheForARestart() throws IOException {
    SimulatedStorage storage = twoPages(FaultPlan.none());
    MemorySegment page = storage.map(0, 4096);
    page.set(ValueLayout.JAVA_BYTE, 0, (byte) 9);
    storage.close();
    assertThatThrownBy(() -> page.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    try (SimulatedStorage restarted = storage.restart()) {
      assertThat(restarted.map(0, 4096).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 9);
      assertThat(restarted.dirtyPages()).as("a process restart keeps dirty pages dirty").containsExactly(0);
    }
  }

  @Test
  void aRebootKeepsOnlyWhatIsDurableAndNotWhatAFailedSyncLeftInTheCache() throws IOException {
    SimulatedStorage storage = twoPages(FaultPlan.none().withSeed(3).failingSync(1));
    MemorySegment all = storage.map(0, 8192);
    all.set(ValueLayout.JAVA_BYTE, 10, (byte) 1);
    storage.sync(0, 4096);
    // Page 1 fails to sync: the kernel counts it clean whatever reached the disk.
    all.set(ValueLayout.JAVA_BYTE, 5000, (byte) 2);
    assertThatThrownBy(() -> storage.sync(4096, 4096)).isInstanceOf(IOException.class);
    byte durableAfterFailure = storage.durableImage()[5000];
    // Page 0 is dirty again, never synced.
    all.set(ValueLayout.JAVA_BYTE, 20, (byte) 3);
    long calls = storage.callCount();

    try (SimulatedStorage rebooted = storage.reboot()) {
      assertThatThrownBy(() -> all.get(ValueLayout.JAVA_BYTE, 0)).as("the old mappings died").isInstanceOf(IllegalStateException.class);
      MemorySegment after = rebooted.map(0, 8192);
      assertThat(after.get(ValueLayout.JAVA_BYTE, 10)).as("synced").isEqualTo((byte) 1);
      assertThat(after.get(ValueLayout.JAVA_BYTE, 20)).as("dirty, lost with the cache").isZero();
      assertThat(after.get(ValueLayout.JAVA_BYTE, 5000)).as("what the failed sync left on disk").isEqualTo(durableAfterFailure);
      assertThat(rebooted.dirtyPages()).isEmpty();
      assertThat(rebooted.callCount()).as("the run goes on: calls are numbered on").isEqualTo(calls + 1);
    }
    // The same failure, then a restart instead: the cache still shows the failed write.
    SimulatedStorage again = twoPages(FaultPlan.none().withSeed(3).failingSync(0));
    again.map(0, 8192).set(ValueLayout.JAVA_BYTE, 5000, (byte) 2);
    assertThatThrownBy(again::syncAll).isInstanceOf(IOException.class);
    try (SimulatedStorage restarted = again.restart()) {
      assertThat(restarted.map(0, 8192).get(ValueLayout.JAVA_BYTE, 5000)).isEqualTo((byte) 2);
      assertThat(restarted.dirtyPages()).as("and no sync will ever write it").isEmpty();
    }
  }

  @Test
  void aTornImageMixesSectorsOfOldAndNew() throws IOException {
    try (SimulatedStorage storage = twoPages(FaultPlan.none())) {
      storage.map(0, 4096).fill((byte) 1);
      boolean sawTorn = false;
      for (int image = 2; image < 40 && !sawTorn; image++) {
        CrashImage crash = storage.crashImage(5, image);
        if (crash.choices().contains("torn")) {
          sawTorn = true;
          byte[] bytes = crash.bytes();
          for (int sector = 0; sector < 8; sector++) {
            byte first = bytes[sector * 512];
            for (int i = 0; i < 512; i++) {
              assertThat(bytes[sector * 512 + i]).as("a sector is written wholly or not at all").isEqualTo(first);
            }
          }
        }
      }
      assertThat(sawTorn).isTrue();
    }
  }

  @Test
  void aRottedBitInTheActiveMetadataIsDetectedOnOpen() throws IOException {
    PagerOptions options = PagerOptions.defaults().withPageSize(1024);
    SimulatedStorage storage = SimulatedStorage.create();
    try (Pager pager = Pager.create(storage, options)) {
      pager.alloc();
      pager.alloc();
    }
    SimulatedStorage reopened = storage.restart();
    long generationBefore;
    try (Pager pager = Pager.open(reopened.restart(), options)) {
      generationBefore = pager.generation();
    }
    SimulatedStorage rotted = SimulatedStorage.fromImage(reopened.durableImage());
    // Page 1 or 2 holds the active metadata: rot both headers' generation field in turn.
    rotted.rotBit(1024 + 8, 0);
    try (Pager pager = Pager.open(rotted, options)) {
      // Either copy may have been the newest; a rotted one fails its checksum and is never
      // trusted, so open finds the newest commit or the one before it, whole.
      assertThat(pager.generation()).isIn(generationBefore, generationBefore - 1);
      assertThat(pager.verify().isClean()).isTrue();
    }
  }

  @Test
  void aReadOnlyPagerOverASimulatedStorageReadsUnregisteredAndRefreshes() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().build();
    byte[] image;
    try (Pager writer = Pager.create(storage, PagerOptions.defaults())) {
      writer.alloc();
      assertThat(writer.liveReaders()).as("a storage without a lock file has no reader table").isZero();
      assertThat(writer.oldestReaderGeneration()).isEqualTo(Long.MAX_VALUE);
      image = storage.durableImage();
    }
    try (Pager reader = Pager.open(SimulatedStorage.builder().readOnly(true).buildFrom(image),
        PagerOptions.defaults().withReadOnly(true))) {
      assertThat(reader.isRegisteredReader()).isFalse();
      assertThat(reader.allocatedPages()).hasSize(1);
      assertThat(reader.refresh()).as("nothing newer in a copy of the image").isFalse();
    }
  }
}
