import exifr from 'exifr';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';

/** What operators and technicians may send from a site: photos from any phone, and short videos. */
export const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/heic', 'video/mp4'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** file-type's names for the same formats (HEIF stills from some phones, ISO MP4 brands). */
const ALIASES: Record<string, MediaType> = {
  'image/jpeg': 'image/jpeg',
  'image/png': 'image/png',
  'image/heic': 'image/heic',
  'image/heif': 'image/heic',
  'image/heic-sequence': 'image/heic',
  'image/heif-sequence': 'image/heic',
  'video/mp4': 'video/mp4',
};

export const THUMBNAIL_PX = 320;

export interface Inspected {
  contentType: MediaType;
  /** From the photo's EXIF GPS, when the camera recorded it. */
  gps?: { lat: number; lon: number };
  /** A small JPEG for lists and chat bubbles, or undefined when this server cannot decode the format (HEVC HEIC, video). */
  thumbnail?: Buffer;
  width?: number;
  height?: number;
}

export class UnsupportedMediaError extends Error {
  override name = 'UnsupportedMediaError';
}

/**
 * Decides a file's type from its bytes (file-type reads the signatures; the name and the
 * declared type are never trusted), reads its GPS position (exifr) and makes a thumbnail
 * (sharp, in libuv's thread pool, oriented by EXIF). Refuses anything but MEDIA_TYPES.
 */
export async function inspectMedia(bytes: Buffer, name = 'file'): Promise<Inspected> {
  const detected = await fileTypeFromBuffer(bytes);
  const contentType = detected ? ALIASES[detected.mime] : undefined;
  if (!contentType) {
    throw new UnsupportedMediaError(
      `${name.slice(0, 80)} is ${detected ? `a ${detected.mime} file` : 'not a file type we know'}; send a photo (JPEG, PNG, HEIC) or an MP4 video`,
    );
  }
  if (contentType === 'video/mp4') return { contentType };
  const [gps, thumb] = await Promise.all([readGps(bytes), thumbnail(bytes)]);
  return { contentType, gps, ...thumb };
}

async function readGps(bytes: Buffer): Promise<Inspected['gps']> {
  try {
    const g = (await exifr.gps(bytes)) as { latitude?: number; longitude?: number } | undefined;
    const lat = g?.latitude;
    const lon = g?.longitude;
    if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return undefined; // 0,0 is a camera without a fix
    return { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
  } catch {
    return undefined; // broken or absent EXIF: the photo still counts
  }
}

async function thumbnail(bytes: Buffer): Promise<Pick<Inspected, 'thumbnail' | 'width' | 'height'>> {
  try {
    // limitInputPixels guards against decompression bombs (a tiny PNG that decodes to gigapixels).
    const image = sharp(bytes, { limitInputPixels: 50_000_000, failOn: 'error' }).rotate();
    const meta = await image.metadata();
    const thumb = await image
      .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 70 })
      .toBuffer();
    const swap = (meta.orientation ?? 1) >= 5;
    return { thumbnail: thumb, width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height };
  } catch {
    return {}; // e.g. HEVC-coded HEIC, which this build of libvips cannot decode: shown as a download
  }
}
