package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageFileInspectionTest {
  @TempDir Path dir;

  @Test
  void reportsBothCopiesAndTrustsWhatOpenTrusts() throws IOException {
    Path file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.alloc();
      try (Transaction tx = pager.begin()) {
        tx.setRoot(7, 77);
        tx.commit();
      }
    }
    PageFileInspection clean = PageFileInspection.inspect(file);
    assertThat(clean.pageSize()).isEqualTo(4096);
    assertThat(clean.formatVersion()).isEqualTo(Format.FORMAT_VERSION);
    assertThat(clean.generation()).isEqualTo(3);
    PageFileInspection.MetadataCopy active = clean.copy(clean.activeSlot());
    PageFileInspection.MetadataCopy alternate = clean.copy(3 - clean.activeSlot());
    assertThat(active.usable()).isTrue();
    assertThat(active.generation()).isEqualTo(3);
    assertThat(active.roots().get(7)).isEqualTo(77L);
    assertThat(alternate.usable()).isTrue();
    assertThat(alternate.generation()).isEqualTo(2);
    assertThat(clean.trustedSlot()).isEqualTo(clean.activeSlot());

    byte[] before = Files.readAllBytes(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {(byte) 0xFF}), (long) clean.activeSlot() * 4096 + Format.MD_FREE_COUNT);
    }
    // The newest copy now fails its checksum: the other copy is the newest valid one, and what
    // open uses, without calling it a fallback (a torn record looks the same).
    PageFileInspection damaged = PageFileInspection.inspect(file);
    assertThat(damaged.copy(clean.activeSlot()).problem()).contains("checksum");
    assertThat(damaged.activeSlot()).isEqualTo(3 - clean.activeSlot());
    assertThat(damaged.trustedSlot()).isEqualTo(3 - clean.activeSlot());
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(pager.generation()).isEqualTo(2).isEqualTo(damaged.generation());
    }
    assertThat(before.length).isEqualTo(Files.size(file));
  }

  @Test
  void aForeignFileIsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("text"), "hello, this is not a page file at all, no, not at all");
    assertThatThrownBy(() -> PageFileInspection.inspect(file)).isInstanceOf(NotAPageFileException.class);
  }
}
