'use strict';
// ControlTypesVM: every control's dispatch and its computed reaction.
const assert = require('node:assert/strict');
const { useServer } = require('../lib/harness');

const env = useServer();
const ID = 'ControlTypesVM';

env.test('initial state', async (t) => {
  const a = env.client(t, 'A');
  const s = await a.connect(ID).loaded();
  assert.equal(s.TextBoxValue, '');
  assert.equal(s.TextBoxPlaceHolder, 'Type something here');
  assert.equal(s.TextBoxResult, null);
  assert.equal(s.SearchBox, '');
  assert.equal(s.SearchBoxPlaceHolder, 'Type a planet');
  assert.deepEqual(s.SearchResults, []);
  assert.equal(s.ShowMeCheckBox, true);
  assert.equal(s.EnableMeCheckBox, true);
  assert.equal(s.CheckBoxResult, 'Enabled');
  assert.deepEqual(s.SimpleDropDownOptions, ['One', 'Two', 'Three', 'Four']);
  assert.equal(s.SimpleDropDownValue, '');
  assert.equal(s.SimpleDropDownResult, null);
  assert.equal(s.DropDownCaption, 'Select an item ...');
  assert.deepEqual(s.DropDownOptions, [
    { Id: 1, Text: 'Object One' },
    { Id: 2, Text: 'Object Two' },
    { Id: 3, Text: 'Object Three' },
    { Id: 4, Text: 'Object Four' },
  ]);
  assert.equal(s.DropDownValue, 0);
  assert.equal(s.DropDownResult, null);
  assert.equal(s.RadioButtonValue, 'green');
  assert.equal(s.RadioButtonStyle, 'label-success');
  assert.equal(s.ClickCount, 0);
  assert.equal(s.ButtonClicked, false, 'ButtonClicked is a bool property reading false, as in dotNetify');
});

env.test('text box and search box', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  let from = a.mark();
  h.dispatch({ TextBoxValue: 'testing' });
  await h.waitState((s) => s.TextBoxResult === 'You typed: testing', 'TextBoxResult');
  assert.ok(!('TextBoxValue' in h.received(from)[0].data), 'TextBoxValue echoed');

  h.dispatch({ SearchBox: 'm' });
  await h.waitState((s) => JSON.stringify(s.SearchResults) === '["Mercury","Mars"]', 'SearchResults = [Mercury, Mars]');
  h.dispatch({ SearchBox: 'ma' });
  await h.waitState((s) => JSON.stringify(s.SearchResults) === '["Mars"]', 'SearchResults = [Mars]');
  h.dispatch({ SearchBox: 'mars' });
  await h.waitState((s) => JSON.stringify(s.SearchResults) === '[]', 'SearchResults empty for an exact match');

  from = a.mark();
  h.dispatch({ TextBoxValue: '' });
  await h.waitFrame((d) => 'TextBoxResult' in d, 'TextBoxResult reset', from);
  assert.equal(h.state.TextBoxResult, null);
});

env.test('check boxes, drop-downs, radio buttons', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  h.dispatch({ EnableMeCheckBox: false });
  await h.waitState((s) => s.CheckBoxResult === 'Disabled', 'CheckBoxResult = Disabled');
  h.dispatch({ EnableMeCheckBox: true });
  await h.waitState((s) => s.CheckBoxResult === 'Enabled', 'CheckBoxResult = Enabled');

  const from = a.mark();
  h.dispatch({ ShowMeCheckBox: false });
  await h.waitFrame((d) => d.CheckBoxResult === 'Enabled', 'CheckBoxResult re-sent for ShowMeCheckBox', from);

  h.dispatch({ SimpleDropDownValue: 'Two' });
  await h.waitState((s) => s.SimpleDropDownResult === 'You selected: Two', 'SimpleDropDownResult');

  // The React view sends the <select> value as a string.
  h.dispatch({ DropDownValue: '3' });
  await h.waitState((s) => s.DropDownResult === 'You selected: Object Three', 'DropDownResult for "3"');

  h.dispatch({ RadioButtonValue: 'yellow' });
  await h.waitState((s) => s.RadioButtonStyle === 'label-warning', 'RadioButtonStyle = label-warning');
  h.dispatch({ RadioButtonValue: 'green' });
  await h.waitState((s) => s.RadioButtonStyle === 'label-success', 'RadioButtonStyle = label-success');
  assert.equal(h.exceptions.length, 0, `exceptions: ${JSON.stringify(h.exceptions)}`);
});

env.test('dispatching ButtonClicked increments ClickCount', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  h.dispatch({ ButtonClicked: true });
  await h.waitState((s) => s.ClickCount === 1, 'ClickCount = 1');
  h.dispatch({ ButtonClicked: true });
  await h.waitState((s) => s.ClickCount === 2, 'ClickCount = 2');
});

env.test('an invalid DropDownValue reaches exceptionHandler and the VM keeps working', async (t) => {
  const a = env.client(t, 'A');
  const h = a.connect(ID);
  await h.loaded();
  h.dispatch({ DropDownValue: 9 });
  await a.waitFor(() => h.exceptions.length === 1, 'exceptionHandler called', 3000, ID);
  assert.equal(h.exceptions[0].name, 'InvalidOperationException');
  assert.equal(h.exceptions[0].message, 'Sequence contains no matching element');
  h.dispatch({ DropDownValue: 2 });
  await h.waitState((s) => s.DropDownResult === 'You selected: Object Two', 'DropDownResult after the error');
});
