import { AppError } from '../../src/errors.js';
import { DEFAULT_IMAGE_LIMITS, processImage, type ImageLimits } from '../../src/imaging/process.js';

/** The AppError processImage refuses `input` with; anything else (success, a plain Error) fails the test. */
export async function refusal(input: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<AppError> {
  const error = await processImage(input, limits).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}
