import { createRoot } from "react-dom/client";
import App from "./App.jsx";
import { setupHub } from "./hub.js";
import "./styles.css";

const hub = setupHub();
createRoot(document.getElementById("root")).render(<App hub={hub} />);
