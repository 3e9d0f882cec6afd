import { ImageSchema } from '../modules/image/image.entity.js';
import { SessionSchema } from '../modules/session/session.entity.js';
import { UserSchema } from '../modules/user/user.entity.js';

export const entities = [UserSchema, SessionSchema, ImageSchema];
