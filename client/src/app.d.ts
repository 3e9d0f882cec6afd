// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Error {
      message: string;
      /** A stable code from the server or the client, e.g. NETWORK_ERROR. */
      code?: string;
    }
  }
}

export {};
