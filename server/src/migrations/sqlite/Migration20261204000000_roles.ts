import { Migration } from '@mikro-orm/migrations';

/** Account roles: everyone is USER until the admin command line promotes them. */
export class Migration20261204000000_roles extends Migration {
  override up(): void {
    this.addSql("alter table `users` add column `role` text not null default 'USER';");
  }
}
