import type { Scope } from '../scope.js';

/** What every resolver gets: the request's scope, and the one thing GraphQL may do to HTTP (the session cookie). */
export interface GraphQLContext {
  scope: Scope;
  session: {
    /** Sets the HttpOnly session cookie for a new login. */
    start(token: string): void;
    /** Clears it. */
    end(): void;
  };
  /** The long-lived device cookie that lets sign-in recognise a browser (modules/device). */
  device: {
    /** The value the request carried, or null. */
    token: string | null;
    remember(token: string): void;
  };
  /** Logs this request's line at debug level (throttled attempts, which come in floods). */
  quietLog(): void;
}
