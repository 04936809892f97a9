import { useEffect, useState } from "react";
import ConnectionStatus from "./components/ConnectionStatus.jsx";
import HubSwitch from "./components/HubSwitch.jsx";
import HelloWorld from "./tabs/HelloWorld.jsx";
import ControlTypes from "./tabs/ControlTypes.jsx";
import SimpleList from "./tabs/SimpleList.jsx";
import LiveChart from "./tabs/LiveChart.jsx";
import ChatRoom from "./tabs/ChatRoom.jsx";
import CompositeView from "./tabs/CompositeView.jsx";
import SecurePage from "./tabs/SecurePage.jsx";
import BookStore from "./tabs/BookStore.jsx";

// One tab per example; the URL hash (#HelloWorld) names the open one. Only
// the open tab is mounted, so leaving a tab disposes its view models. A tab
// with a path (BookStore, whose view models route) opens at that path, and
// at any path below it: dotNetify's router routes by the page's path.
const TABS = [
  { id: "HelloWorld", title: "Hello World", Component: HelloWorld },
  { id: "ControlTypes", title: "Control Types", Component: ControlTypes },
  { id: "SimpleList", title: "Simple List", Component: SimpleList },
  { id: "LiveChart", title: "Live Chart", Component: LiveChart },
  { id: "ChatRoom", title: "Chat Room", Component: ChatRoom },
  { id: "CompositeView", title: "Composite View", Component: CompositeView },
  { id: "SecurePage", title: "Secure Page", Component: SecurePage },
  { id: "BookStore", title: "Book Store", Component: BookStore, path: "/examples/bookstore" },
];

function tabFromHash() {
  const id = location.hash.replace(/^#\/?/, "");
  const under = (p) => location.pathname === p || location.pathname.startsWith(p + "/");
  return TABS.find((t) => t.id === id) || TABS.find((t) => t.path && under(t.path)) || TABS[0];
}

export default function App({ hub }) {
  const [tab, setTab] = useState(tabFromHash);
  useEffect(() => {
    const onHash = () => setTab(tabFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const { Component } = tab;
  return (
    <div className="app">
      <header className="top">
        <div className="brand">
          <h1>gonetify</h1>
          <p>dotNetify view models served by Go, through the official dotnetify client</p>
        </div>
        <div className="hub">
          <HubSwitch hub={hub} />
          <ConnectionStatus />
          <code className="hub-url" data-testid="hub-url" title="hub URL">
            {hub.url}
          </code>
        </div>
      </header>
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <a
            key={t.id}
            href={t.path ? t.path + location.search : `#${t.id}`}
            role="tab"
            aria-selected={t.id === tab.id}
            className={t.id === tab.id ? "active" : ""}
            data-tab={t.id}
          >
            {t.title}
          </a>
        ))}
        <a href={`/vue.html${location.search}`} className="vue-link" data-testid="vue-page">
          Vue page
        </a>
      </nav>
      <main className="panel" role="tabpanel" data-testid={`tab-${tab.id}`}>
        <Component key={tab.id} />
      </main>
    </div>
  );
}
