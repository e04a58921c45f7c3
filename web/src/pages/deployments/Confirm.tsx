// A button whose action needs a second, deliberate "yes" (abort, roll back): a modal <dialog>, which
// the browser makes keyboard- and screen-reader-safe (focus moves in, Escape cancels, focus returns).
import { useId, useRef, type ReactNode } from "react";

export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  onConfirm,
  disabled,
  className,
}: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  className?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const ids = useId();
  return (
    <>
      <button
        type="button"
        className={className}
        disabled={disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} className="confirm" aria-labelledby={`${ids}-t`} aria-describedby={`${ids}-d`}>
        <h2 id={`${ids}-t`}>{title}</h2>
        <div id={`${ids}-d`}>{children}</div>
        <form method="dialog" className="confirm-buttons">
          <button type="submit" value="cancel" autoFocus>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              dialog.current?.close();
              onConfirm();
            }}
          >
            {confirmLabel}
          </button>
        </form>
      </dialog>
    </>
  );
}
