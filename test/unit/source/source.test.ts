import { expect } from 'chai';
import { isTrue, text } from '../../../src/source/boolean.js';
import { parseDatabaseUrl, redactUrl } from '../../../src/source/database-url.js';

describe('source: database URLs', () => {
  it('reads sqlite absolute and relative paths', () => {
    expect(parseDatabaseUrl('sqlite:///var/lib/pfa/db.sqlite', '/etc/mxdir')).to.deep.equal({ kind: 'sqlite', path: '/var/lib/pfa/db.sqlite' });
    expect(parseDatabaseUrl('sqlite:pfa.db', '/etc/mxdir')).to.deep.equal({ kind: 'sqlite', path: '/etc/mxdir/pfa.db' });
  });
  it('reads postgres and mysql/mariadb URLs', () => {
    expect(parseDatabaseUrl('postgresql://u@h/db', '/')).to.deep.equal({ kind: 'postgres', url: 'postgresql://u@h/db' });
    expect(parseDatabaseUrl('mariadb://u@h/db', '/')).to.deep.equal({ kind: 'mysql', url: 'mysql://u@h/db' });
  });
  it('rejects other schemes naming the URL without its password', () => {
    expect(() => parseDatabaseUrl('oracle://scott:tiger@h/db', '/')).to.throw(/"oracle:\/\/scott:\*\*\*@h\/db" is not a database URL mxdir reads/);
    try {
      parseDatabaseUrl('oracle://scott:tiger@h/db', '/');
    } catch (err) {
      expect((err as Error).message).to.not.include('tiger');
    }
  });
  it('redacts passwords', () => {
    expect(redactUrl('postgres://user:p%40ss@host:5432/db')).to.equal('postgres://user:***@host:5432/db');
    expect(redactUrl('mysql://root@host/db')).to.equal('mysql://root@host/db');
  });
});

describe('source: column values', () => {
  it('reads PostgreSQL, MySQL and SQLite booleans alike', () => {
    for (const yes of [true, 1, 1n, '1', 't', 'true', 'TRUE', 'y', 'yes', Buffer.from([1])]) expect(isTrue(yes), String(yes)).to.equal(true);
    for (const no of [false, 0, 0n, '0', 'f', 'false', 'n', 'no', '', null, undefined, 'maybe', Buffer.from([0])]) expect(isTrue(no), String(no)).to.equal(false);
  });
  it('reads NULL as empty and binary as UTF-8, broken bytes as U+FFFD', () => {
    expect(text(null)).to.equal('');
    expect(text(Buffer.from('bücher', 'utf8'))).to.equal('bücher');
    expect(text(Buffer.from([0x61, 0xff, 0x40]))).to.equal('a\uFFFD@');
  });
});
