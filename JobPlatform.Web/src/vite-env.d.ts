/// <reference types="vite/client" />

interface ImportMetaEnv {
  /**
   * The development tenant's API key, which the dev server passes from JOBPLATFORM_API_KEY (see
   * vite.config.ts); empty when the console runs without one and the user pastes a key instead.
   */
  readonly VITE_DEV_API_KEY?: string
}
