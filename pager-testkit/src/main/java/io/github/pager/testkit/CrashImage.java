package io.github.pager.testkit;

import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * One post-crash image of a simulated disk: the durable bytes, with each page that was dirty at
 * the crash resolved to its old content, its new content, or a torn mix of 512-byte sectors.
 *
 * <p>Images are numbered per crash point: image 0 keeps every dirty page old, image 1 takes
 * every one new, and each later image draws a choice per page (and per sector of a torn page)
 * from a stream that depends only on the seed, the point and the image number, so any image can
 * be rebuilt on its own. Under {@link FaultPlan#violatingPowersafeOverwrite()} a torn page may
 * also get garbage in one sector.
 *
 * @param bytes the file's content after the crash; its length is the file's durable length
 * @param choices what was chosen for each dirty OS page, for reports, such as {@code "os page 0:
 *     torn 10000000, os page 3: new"}; {@code "no dirty pages"} when there was nothing to choose
 */
public record CrashImage(byte[] bytes, String choices) {
  /** Image number of the image that keeps every dirty page's old content. */
  public static final int ALL_OLD = 0;

  /** Image number of the image that takes every dirty page's new content. */
  public static final int ALL_NEW = 1;

  /** The unit a torn write tears at: a disk writes a 512-byte sector wholly or not at all. */
  public static final int SECTOR_SIZE = 512;

  /** Copies the bytes, so the image cannot change under a check. */
  public CrashImage {
    bytes = bytes.clone();
  }

  /** {@return a copy of the bytes}, so the caller cannot change the image. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * Returns the image's length: the file's durable length at the crash.
   *
   * @return bytes
   */
  public int size() {
    return bytes.length;
  }

  /** Builds image {@code number} of a snapshot; see the class comment for the numbering. */
  static CrashImage build(Snapshot snapshot, int number, long seed, long point) {
    byte[] image = snapshot.durable.clone();
    return new CrashImage(image, resolve(snapshot, number, seed, point, image));
  }

  /**
   * Returns what image {@code number} of a snapshot chooses, as {@link #choices()} will say,
   * without building it: the explorer skips images that choose what an earlier one did before
   * paying for their bytes.
   */
  static String choicesOf(Snapshot snapshot, int number, long seed, long point) {
    return resolve(snapshot, number, seed, point, null);
  }

  /**
   * Draws each dirty page's fate and, when {@code image} is given (a copy of the snapshot's
   * durable bytes, at least as long), writes it there; returns the choices. One method for
   * describing and for building, so that the two can never disagree.
   */
  static String resolve(Snapshot snapshot, int number, long seed, long point, byte @Nullable [] image) {
    if (snapshot.dirtyCount() == 0) {
      return "no dirty pages";
    }
    SplittableRandom random = new SplittableRandom(mix(seed, point, number));
    StringBuilder choices = new StringBuilder();
    int sectors = snapshot.osPageSize / SECTOR_SIZE;
    for (int p = 0; p < snapshot.dirtyPages.length; p++) {
      long start = snapshot.dirtyPages[p] * snapshot.osPageSize;
      byte[] fresh = snapshot.dirtyContent[p];
      if (p > 0) {
        choices.append(", ");
      }
      choices.append("os page ").append(snapshot.dirtyPages[p]).append(": ");
      int choice = number == ALL_OLD ? 0 : number == ALL_NEW ? 1 : random.nextInt(3);
      if (choice == 0) {
        choices.append("old");
      } else if (choice == 1) {
        if (image != null) {
          System.arraycopy(fresh, 0, image, (int) start, fresh.length);
        }
        choices.append("new");
      } else {
        choices.append("torn ");
        for (int s = 0; s < sectors; s++) {
          int from = s * SECTOR_SIZE;
          boolean reached = random.nextBoolean();
          if (reached && from < fresh.length && image != null) {
            System.arraycopy(fresh, from, image, (int) start + from, Math.min(SECTOR_SIZE, fresh.length - from));
          }
          choices.append(reached ? '1' : '0');
        }
        if (snapshot.tornWritesDamageNeighbours && random.nextBoolean()) {
          // Garbage in one sector, written or not: the write tore more than it wrote.
          int damaged = random.nextInt(sectors);
          int from = damaged * SECTOR_SIZE;
          int length = Math.min(SECTOR_SIZE, fresh.length - from);
          if (length > 0) {
            byte[] garbage = new byte[length];
            for (int b = 0; b < length; b++) {
              garbage[b] = (byte) random.nextInt(256);
            }
            if (image != null) {
              System.arraycopy(garbage, 0, image, (int) start + from, length);
            }
            choices.append(" (sector ").append(damaged).append(" damaged)");
          }
        }
      }
    }
    return choices.toString();
  }

  /** A well-mixed seed per (seed, point, image), so images do not share random streams. */
  static long mix(long seed, long point, long number) {
    long z = seed + 0x9E3779B97F4A7C15L * (point + 1) + 0xBF58476D1CE4E5B9L * (number + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
