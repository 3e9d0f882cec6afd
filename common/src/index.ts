export * from './account.js';
export * from './errors.js';
export * from './image-formats.js';
export * from './limits.js';
export * from './password.js';
