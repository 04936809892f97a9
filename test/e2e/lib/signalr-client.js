'use strict';
// One official dotnetify client on gonetify's SignalR hub (/dotnetify), like
// a browser tab: only dotnetify.hubServerUrl is set. Shared by the SignalR
// test files, which add their own traffic spies (describeTraffic).
const { loadDotnetify, waitFor, short } = require('./harness');

class SignalRClient {
  /**
   * @param server    the harness Server (its httpBase is the hub's origin)
   * @param name      the client's name in failure messages
   * @param hubOptions dotnetify.hubOptions to merge (a connectionBuilder in
   *                  it runs first)
   * @param builder   what the test file adds to the HubConnectionBuilder
   *                  (e.g. a hub protocol)
   */
  constructor(server, name, hubOptions = {}, builder = (b) => b) {
    this.name = name;
    global.self = global; // @microsoft/signalr looks at self
    this.dn = loadDotnetify();
    const { LogLevel } = require('@microsoft/signalr');
    const opts = { ...this.dn.hubOptions, ...hubOptions };
    const build = opts.connectionBuilder;
    // Keep @microsoft/signalr's console output to warnings.
    opts.connectionBuilder = (b) => builder(build ? build(b) : b).configureLogging(LogLevel.Warning);
    this.dn.hubOptions = opts;
    this.dn.hubServerUrl = server.httpBase;
    this.states = [];
    this.dn.connectionStateHandler = (state) => this.states.push(state);
    this.vms = {};
  }

  connect(vmId, options = {}) {
    const h = { vmId, state: {}, history: [], exceptions: [] };
    h.vm = this.dn.connect(vmId, {
      ...options,
      getState: () => h.state,
      setState: (s) => {
        h.state = { ...h.state, ...s };
        h.history.push(s);
      },
      exceptionHandler: (ex) => h.exceptions.push(ex),
    });
    this.vms[vmId] = h;
    return h;
  }

  get connection() {
    return this.dn.hub._connection;
  }

  /** The @microsoft/signalr transport class in use. */
  transport() {
    const c = this.connection;
    return c && c.connection && c.connection.transport ? c.connection.transport.constructor.name : undefined;
  }

  /** Extra words for the first line of describe(). */
  describeConnection() {
    return '';
  }

  /** The recorded traffic, for failure messages. */
  describeTraffic() {
    return '';
  }

  describe(h) {
    return `  client ${this.name}: states ${short(this.states)}, transport ${this.transport()}${this.describeConnection()}\n` +
      (h ? `  ${h.vmId} state: ${short(h.state)}\n  exceptions: ${short(h.exceptions)}\n` : '') +
      this.describeTraffic();
  }

  waitState(h, pred, what, timeout = 4000) {
    return waitFor(() => pred(h.state), { timeout, what: `[${this.name}] ${h.vmId}: ${what}`, describe: () => this.describe(h) });
  }

  loaded(h, timeout = 4000) {
    return waitFor(() => h.history.length > 0, { timeout, what: `[${this.name}] ${h.vmId}: initial state`, describe: () => this.describe(h) });
  }

  async close() {
    const hub = this.dn.hub;
    hub.reconnect = () => {}; // no reconnect after this stop
    for (const id of Object.keys(this.vms)) delete this.dn.react.viewModels[id];
    if (this.connection) await this.connection.stop().catch(() => {});
  }
}

module.exports = { SignalRClient };
