package io.github.pager.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Damage done to a closed page file by the repair tests, byte by byte. */
final class FileDamage {
  private FileDamage() {}

  /** Flips some bits of the byte at {@code offset}, so that whatever covers it fails its checks. */
  static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ 0x21));
      one.rewind();
      channel.write(one, offset);
    }
  }
}
