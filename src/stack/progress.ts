/** Progress lines of the launcher: a part ("ZooKeeper", "broker 1", "MySQL") and what happened to it. */
export type Progress = (part: string, message: string) => void;
