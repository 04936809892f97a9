'use strict';
// LiveChartVM (exactly dotNetify's: Waveform, Bar, Pie) and the demo's
// TunableLiveChartVM, the same chart plus $vmArg {Interval: ms} to tick
// fast: server push on a timer.
const assert = require('node:assert/strict');
const { useServer, barrier, sleep } = require('../lib/harness');

const env = useServer();
const ID = 'TunableLiveChartVM';
const FAST = { vmArg: { Interval: 50 } };

env.test('LiveChartVM: dotNetify\'s state, pushed every second', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect('LiveChartVM');
  const s = await h.loaded();
  assert.deepEqual(Object.keys(s).sort(), ['Bar', 'Pie', 'Waveform']);
  assert.equal(s.Waveform.length, 30);
  assert.equal(s.Bar.length, 8);
  const from = a.mark();
  await h.waitState((st) => st.Waveform.length >= 31, 'a pushed Waveform point', 3000);
  const push = h.received(from)[0];
  assert.deepEqual(Object.keys(push.data).sort(), ['Bar', 'Pie', 'Waveform_add'], `push ${push.raw}`);
  assert.equal(push.data.Waveform_add[0], '31');
});

env.test('initial state: 30 waveform points, 8 bars, 3 pie slices', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID, FAST);
  await h.loaded();
  const s = h.stateHistory[0];
  assert.equal(s.Waveform.length, 30);
  s.Waveform.forEach((p, i) => {
    assert.equal(p.length, 2);
    assert.equal(p[0], String(i + 1), 'x values are strings 1..30');
    assert.equal(typeof p[1], 'string');
    assert.ok(Math.abs(Number(p[1]) - Math.sin((i + 1) / Math.PI)) < 1e-9, `y(${i + 1}) = sin(x/π): ${p[1]}`);
  });
  assert.equal(s.Bar.length, 8);
  for (const v of s.Bar) assert.ok(Number.isInteger(v) && v >= 500 && v < 1000, `bar ${v}`);
  assert.equal(s.Pie.length, 3);
  for (const v of s.Pie) assert.ok(v >= 0 && v < 1, `pie ${v}`);
  assert.equal(s.Interval, 50, 'the vmArg Interval was applied');
  assert.deepEqual(Object.keys(s).sort(), ['Bar', 'Interval', 'Pie', 'Waveform']);
});

env.test('timer pushes: Waveform grows point by point, Bar and Pie are replaced', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID, FAST);
  await h.loaded();
  const from = a.mark();
  await h.waitState((s) => s.Waveform.length >= 35, 'Waveform has 35 points (5 ticks)', 4000);
  assert.equal(a.sent(ID, from).length, 0, 'the client sent nothing: these are pushes');
  const xs = h.state.Waveform.map((p) => Number(p[0]));
  xs.forEach((x, i) => assert.equal(x, i + 1, `Waveform x values are consecutive: ${xs.join(',')}`));
  assert.equal(h.state.Bar.length, 12, 'Bar has 12 values after a tick');
  assert.equal(h.state.Pie.length, 3);
  assert.ok(!Object.keys(h.state).some((k) => k.includes('_add')), 'no Waveform_add key in the state');
  for (const f of h.received(from)) {
    assert.deepEqual(Object.keys(f.data).sort(), ['Bar', 'Pie', 'Waveform_add'], `push ${f.raw}`);
    assert.equal(f.data.Waveform_add.length, 2);
  }
});

env.test('$destroy stops the timer; a second client is unaffected', async (t) => {
  const a = env.client(t, 'A');
  const b = env.client(t, 'B');
  const ha = a.connect(ID, FAST);
  const hb = b.connect(ID, FAST);
  await ha.loaded();
  await hb.loaded();
  await ha.waitState((s) => s.Waveform.length >= 31, 'A ticking');
  ha.destroy();
  await barrier(a); // dispose handled; ticks sent before it are in
  const from = a.mark();
  const fromB = b.mark();
  await sleep(300); // 6 intervals
  await barrier(a);
  assert.deepEqual(ha.received(from).map((f) => f.raw), [], 'pushes after $destroy');
  assert.ok(hb.received(fromB).length >= 2, 'B kept ticking');
});
