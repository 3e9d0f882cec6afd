import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { UPLOAD_IMAGE_MUTATION } from './documents.ts';
import { buildUploadBody, parseUploadResponse, sendUpload, type XhrLike } from './upload.ts';

describe('buildUploadBody (GraphQL multipart request spec)', () => {
  it('sends operations, then map, then the file as field "0"', async () => {
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'cat "1".jpg', { type: 'image/jpeg' });
    const body = buildUploadBody(file, file.name);

    expect([...body.keys()]).toEqual(['operations', 'map', '0']);
    const operations = JSON.parse(String(body.get('operations')));
    expect(operations).toEqual({ query: UPLOAD_IMAGE_MUTATION, variables: { file: null } });
    expect(JSON.parse(String(body.get('map')))).toEqual({ 0: ['variables.file'] });

    const sent = body.get('0');
    expect(sent).toBeInstanceOf(File);
    expect((sent as File).name).toBe('cat "1".jpg');
    expect(new Uint8Array(await (sent as File).arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
  });

  it('asks for the fields the client shows', () => {
    expect(UPLOAD_IMAGE_MUTATION).toMatch(/^mutation UploadImage\(\$file: Upload!\)/);
    for (const field of ['id', 'filename', 'thumbnailUrl', 'url', 'originalUrl']) expect(UPLOAD_IMAGE_MUTATION).toContain(field);
  });
});

const image = {
  id: '0b6f8f1e-4f59-4c1c-9a43-2d1f0d6e8a11',
  filename: 'cat.jpg',
  mimeType: 'image/jpeg',
  width: 10,
  height: 20,
  byteSize: 1234,
  createdAt: '2026-11-23T10:00:00.000Z',
  takenAt: null,
  url: '/media/0b6f8f1e-4f59-4c1c-9a43-2d1f0d6e8a11/display',
  thumbnailUrl: '/media/0b6f8f1e-4f59-4c1c-9a43-2d1f0d6e8a11/thumbnail',
  originalUrl: '/media/0b6f8f1e-4f59-4c1c-9a43-2d1f0d6e8a11/original',
};

describe('parseUploadResponse', () => {
  it('returns the uploaded image', () => {
    expect(parseUploadResponse(200, JSON.stringify({ data: { uploadImage: image } }))).toEqual(image);
  });

  it('throws the server\'s error, with its code and message', () => {
    const body = JSON.stringify({
      data: null,
      errors: [{ message: 'This file is not a JPEG, PNG, GIF or WebP image.', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }],
    });
    expect(() => parseUploadResponse(200, body)).toThrow(AppError);
    try {
      parseUploadResponse(415, body);
    } catch (error) {
      expect((error as AppError).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect((error as AppError).message).toBe('This file is not a JPEG, PNG, GIF or WebP image.');
    }
  });

  it('judges by status when the body is not JSON (e.g. a proxy\'s 413 page)', () => {
    expect(() => parseUploadResponse(413, '<html>Request Entity Too Large</html>')).toThrow(/too large/);
    expect(() => parseUploadResponse(0, '')).toThrow(/Could not reach the server/);
    expect(() => parseUploadResponse(200, '{"data":{}}')).toThrow(AppError);
  });
});

/** A stand-in XMLHttpRequest that records what was sent and lets the test answer. */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  timeout = 0;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null; onload: (() => void) | null } = {
    onprogress: null,
    onload: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
}

describe('sendUpload', () => {
  it('POSTs the multipart body to /graphql with the CSRF preflight header and reports progress', async () => {
    const xhr = new FakeXhr();
    const progress: number[] = [];
    let sent = false;
    const file = new File(['x'], 'cat.jpg', { type: 'image/jpeg' });
    const promise = sendUpload(file, { onProgress: (f) => progress.push(f), onSent: () => (sent = true) }, () => xhr as unknown as XhrLike);

    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/graphql');
    expect(xhr.headers['Apollo-Require-Preflight']).toBe('true');
    expect(xhr.body).toBeInstanceOf(FormData);

    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 200 });
    xhr.upload.onload?.();
    xhr.status = 200;
    xhr.responseText = JSON.stringify({ data: { uploadImage: image } });
    xhr.onload?.();

    await expect(promise).resolves.toEqual(image);
    expect(progress).toEqual([0.25, 1]);
    expect(sent).toBe(true);
  });

  it('rejects with "could not reach the server" on a network error', async () => {
    const xhr = new FakeXhr();
    const promise = sendUpload(new File(['x'], 'a.png'), {}, () => xhr as unknown as XhrLike);
    xhr.onerror?.();
    await expect(promise).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('can be cancelled', async () => {
    const xhr = new FakeXhr();
    const controller = new AbortController();
    const promise = sendUpload(new File(['x'], 'a.png'), { signal: controller.signal }, () => xhr as unknown as XhrLike);
    controller.abort();
    await expect(promise).rejects.toThrow(/cancelled/);
  });
});
